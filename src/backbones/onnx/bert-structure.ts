/**
 * Where a BERT encoder's weights sit in its ONNX graph, found by the graph's structure rather than by
 * names: torch.onnx.export / Optimum name MatMul weights `onnx::MatMul_1234`, our generator names them
 * after the PyTorch parameters, and both must map the same way. Each layer is anchored on its
 * self-attention Softmax (as the attention surgery finds it); Q, K and V are the projections feeding
 * Q·Kᵀ and probabilities·V; the rest of the layer is the next weight MatMuls and LayerNorms downstream.
 * LayerNorm may be one LayerNormalization node (opset ≥ 17) or the decomposed ReduceMean/Sub/Pow/Sqrt/
 * Div/Mul/Add chain older exports write (then gamma is the Mul's weight and beta the Add's).
 */
import { inputError } from '../../errors.ts';
import { GraphIndex, type WeightQuantization } from './graph-index.ts';
import type { GraphProto, NodeProto } from './model.ts';

/** A dense projection: `x @ kernel + bias`, kernel stored [in, out] as MatMul reads it. */
export interface LinearNames {
  kernel: string;
  bias: string;
  /** Set when the kernel is int8 (a dynamically quantized model): how to read it back as floats. */
  quantization?: WeightQuantization;
}

export interface LayerNormNames {
  gamma: string;
  beta: string;
  /** The tensor the LayerNorm writes. */
  output: string;
}

export interface EncoderLayerNames {
  query: LinearNames;
  key: LinearNames;
  value: LinearNames;
  attentionOutput: LinearNames;
  attentionNorm: LayerNormNames;
  intermediate: LinearNames;
  output: LinearNames;
  outputNorm: LayerNormNames;
  /** The hidden state this layer reads (the previous layer's output, or the embeddings'). */
  input: string;
}

export interface EmbeddingNames {
  word: string;
  position: string;
  /** Absent when the export has no token_type_ids input (then type 0 is folded into a constant). */
  tokenType?: string;
  norm: LayerNormNames;
}

export interface BertStructure {
  embeddings: EmbeddingNames;
  layers: EncoderLayerNames[];
}

/** Ops a projection's output passes through before Q·Kᵀ or probabilities·V (head split, scaling). */
const PROJECTION_PASS_THROUGH = new Set(['Transpose', 'Reshape', 'Mul', 'Div', 'Cast', 'Identity', 'Squeeze', 'Unsqueeze']);
const MAX_FORWARD_SEARCH = 40;

export function findBertStructure(graph: GraphProto): BertStructure {
  const index = new GraphIndex(graph);
  const order = index.topologicalOrder();
  const softmaxes = order.filter((n) => n.opType === 'Softmax' && index.isSelfAttentionSoftmax(n));
  if (softmaxes.length === 0) throw inputError('no self-attention Softmax found in the ONNX graph (fused attention?); only unfused BERT exports can be trained');
  const finder = new StructureFinder(index, new Map(order.map((n, i) => [n, i])));
  const layers = softmaxes.map((softmax, i) => finder.layer(softmax, i));
  return { embeddings: finder.embeddings(layers[0]!.input), layers };
}

class StructureFinder {
  constructor(
    private readonly index: GraphIndex,
    private readonly position: Map<NodeProto, number>,
  ) {}

  layer(softmax: NodeProto, layer: number): EncoderLayerNames {
    const where = `layer ${layer}`;
    const scores = this.index.findScoresMatMul(softmax.input[0]!)!;
    const probsTimesV = this.index.valueMatMul(softmax.output[0]!);
    if (!probsTimesV) throw this.fail(where, 'no probabilities·V MatMul');
    const query = this.projectionBehind(scores.input[0]!, where, 'query');
    const key = this.projectionBehind(scores.input[1]!, where, 'key');
    const value = this.projectionBehind(probsTimesV.input[1]!, where, 'value');
    if (query.input !== key.input || query.input !== value.input) throw this.fail(where, 'Q, K and V do not read the same hidden state');
    const attentionOutput = this.nextLinear(probsTimesV.output[0]!, where, 'attention output');
    const attentionNorm = this.nextLayerNorm(attentionOutput.output, where, 'attention LayerNorm');
    const intermediate = this.nextLinear(attentionNorm.output, where, 'intermediate');
    const output = this.nextLinear(intermediate.output, where, 'output');
    const outputNorm = this.nextLayerNorm(output.output, where, 'output LayerNorm');
    const strip = ({ kernel, bias, quantization }: LinearNames): LinearNames => ({ kernel, bias, ...(quantization ? { quantization } : {}) });
    return {
      query: strip(query),
      key: strip(key),
      value: strip(value),
      attentionOutput: strip(attentionOutput),
      attentionNorm,
      intermediate: strip(intermediate),
      output: strip(output),
      outputNorm,
      input: query.input,
    };
  }

  /** Word, position and token-type Gathers over weight tables, and the LayerNorm that writes `firstLayerInput`. */
  embeddings(firstLayerInput: string): EmbeddingNames {
    const gathers = [...this.position.keys()].filter((n) => n.opType === 'Gather' && this.isWeight(n.input[0]!) && this.index.initializers.get(n.input[0]!)!.dims.length === 2);
    const word = gathers.find((n) => n.input[1] === 'input_ids');
    if (!word) throw this.fail('embeddings', 'no word-embedding Gather reading input_ids');
    const tokenType = gathers.find((n) => n.input[1] === 'token_type_ids');
    const position = gathers.find((n) => n !== word && n !== tokenType);
    if (!position) throw this.fail('embeddings', 'no position-embedding Gather');
    const norm = this.nextLayerNorm(word.output[0]!, 'embeddings', 'LayerNorm');
    if (norm.output !== firstLayerInput) throw this.fail('embeddings', "the embeddings' LayerNorm does not feed the first layer");
    return { word: word.input[0]!, position: position.input[0]!, ...(tokenType ? { tokenType: tokenType.input[0]! } : {}), norm };
  }

  private isWeight(tensor: string): boolean {
    return this.index.initializers.has(tensor);
  }

  /** The `MatMul(x, W)` + `Add(b)` whose output reaches `tensor` through head reshapes and scaling. */
  private projectionBehind(tensor: string, where: string, what: string): LinearNames & { input: string } {
    let current = tensor;
    for (let depth = 0; depth < 8; depth++) {
      const node = this.index.producer.get(current);
      if (!node) break;
      const linear = this.linearEndingAt(node);
      if (linear) return linear;
      if (!PROJECTION_PASS_THROUGH.has(node.opType)) break;
      const next = node.input.find((input) => input && this.index.isActivation(input));
      if (!next) break;
      current = next;
    }
    throw this.fail(where, `no ${what} projection (MatMul with a weight, then Add with a bias) behind Q·Kᵀ / probabilities·V`);
  }

  /** `node` as the bias Add of a projection: Add(bias, x·W) in either operand order, W float or int8. */
  private linearEndingAt(node: NodeProto): (LinearNames & { input: string; output: string }) | undefined {
    if (node.opType !== 'Add') return undefined;
    const bias = node.input.find((input) => this.isWeight(input));
    const product = node.input.find((input) => input !== bias);
    const producer = product ? this.index.producer.get(product) : undefined;
    const weighted = producer && this.index.weightProduct(producer);
    if (!bias || !weighted) return undefined;
    const { input, ...kernel } = weighted;
    return { ...kernel, bias, input, output: node.output[0]! };
  }

  /** The first weight product (+ bias Add) downstream of `tensor`, in graph order. */
  private nextLinear(tensor: string, where: string, what: string): LinearNames & { output: string } {
    const product = this.firstDownstream(tensor, (n) => this.index.weightProduct(n) !== undefined);
    const add = product && (this.index.consumers.get(product.output[0]!) ?? []).find((n) => this.linearEndingAt(n));
    if (!add) throw this.fail(where, `no ${what} projection`);
    const { input: _input, ...linear } = this.linearEndingAt(add)!;
    return linear;
  }

  /** The first LayerNorm downstream of `tensor`: a LayerNormalization node, or a decomposed one's gamma Mul + beta Add. */
  private nextLayerNorm(tensor: string, where: string, what: string): LayerNormNames {
    const node = this.firstDownstream(
      tensor,
      (n) => n.opType === 'LayerNormalization' || (n.opType === 'Mul' && n.input.some((input) => this.isRank1Weight(input))),
    );
    if (node?.opType === 'LayerNormalization' && this.isWeight(node.input[1]!) && this.isWeight(node.input[2]!)) {
      return { gamma: node.input[1]!, beta: node.input[2]!, output: node.output[0]! };
    }
    if (node?.opType === 'Mul') {
      const beta = (this.index.consumers.get(node.output[0]!) ?? []).find((n) => n.opType === 'Add' && n.input.some((input) => this.isRank1Weight(input)));
      if (beta) {
        return { gamma: node.input.find((input) => this.isRank1Weight(input))!, beta: beta.input.find((input) => this.isRank1Weight(input))!, output: beta.output[0]! };
      }
    }
    throw this.fail(where, `no ${what}`);
  }

  private isRank1Weight(tensor: string): boolean {
    return this.index.initializers.get(tensor)?.dims.length === 1;
  }

  /** Breadth-first over consumers, returning the match earliest in topological order. */
  private firstDownstream(tensor: string, match: (node: NodeProto) => boolean): NodeProto | undefined {
    const seen = new Set<NodeProto>();
    let frontier = [tensor];
    let best: NodeProto | undefined;
    for (let depth = 0; depth < MAX_FORWARD_SEARCH && frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const t of frontier) {
        for (const node of this.index.consumers.get(t) ?? []) {
          if (seen.has(node)) continue;
          seen.add(node);
          if (match(node)) {
            if (!best || this.position.get(node)! < this.position.get(best)!) best = node;
            continue;
          }
          next.push(...node.output.filter(Boolean));
        }
      }
      if (best) return best;
      frontier = next;
    }
    return best;
  }

  private fail(where: string, what: string) {
    return inputError(`cannot map the BERT weights of the ONNX graph (${where}: ${what}); only unfused BERT-family exports can be trained`);
  }
}
