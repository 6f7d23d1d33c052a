/**
 * ONNX graph surgery that exposes each self-attention Softmax as an extra graph output
 * `attentions.<layer>` shaped [batch, heads, sequence, sequence], so one inference run returns the
 * attention probabilities that PyTorch returns with `output_attentions=True`.
 *
 * Softmax nodes are found by their place in the graph, never by name: a self-attention Softmax reads
 * (through the scale and mask-bias arithmetic) from a MatMul of two activations (Q·Kᵀ) and feeds the
 * first input of a MatMul (probabilities · V). Layers are numbered in topological order.
 */
import { inputError, TransferKitError } from '../../errors.ts';
import { makeNode, tensorValueInfo } from './build.ts';
import { DataType, decodeModel, encodeModel, encodeModelChunks, initializerTensor, tensorInts, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from './model.ts';
import { writeChunksAtomic } from './model-file.ts';
import { readFile } from 'node:fs/promises';

export const ATTENTION_OUTPUT_PREFIX = 'attentions.';

/** Fused attention kernels (ONNX Runtime contrib ops, ONNX 23 Attention): their probabilities are internal. */
const FUSED_ATTENTION_OPS = new Set([
  'Attention',
  'MultiHeadAttention',
  'PackedAttention',
  'PackedMultiHeadAttention',
  'GroupQueryAttention',
  'DecoderMaskedMultiHeadAttention',
  'DecoderMaskedSelfAttention',
  'QAttention',
  'QOrderedAttention',
  'LongformerAttention',
  'SparseAttention',
]);

/** Ops between Q·Kᵀ and the Softmax (scale, mask bias, casts) that the backward search walks through. */
const SCORE_ARITHMETIC_OPS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Where', 'Cast', 'Identity', 'Reshape', 'Expand']);
/** Ops a Softmax output may pass through before meeting V (dropout is Identity-like at inference). */
const PROBS_PASS_THROUGH_OPS = new Set(['Dropout', 'Cast', 'Identity', 'Reshape']);
const MAX_SCORE_DEPTH = 8;

export interface AttentionOutputsResult {
  bytes: Uint8Array;
  layers: number;
}

/** Adds `attentions.0 … attentions.{L-1}` outputs to a model; an already derived model comes back unchanged. */
export function addAttentionOutputs(modelBytes: Uint8Array, expectedLayers?: number): AttentionOutputsResult {
  const model = decodeModel(modelBytes);
  const existing = countAttentionOutputs(model.graph);
  if (existing > 0) return { bytes: modelBytes, layers: existing };
  const layers = exposeAttentionSoftmaxes(model, expectedLayers);
  return { bytes: encodeModel(model), layers };
}

/**
 * The same surgery from file to file, streaming the output (no second in-memory copy of a large model).
 * An already derived source is copied as is.
 */
export async function writeAttentionModel(sourcePath: string, targetPath: string, expectedLayers?: number): Promise<{ layers: number }> {
  let model: ModelProto;
  try {
    model = decodeModel(await readFile(sourcePath));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== undefined) throw error;
    throw inputError(`not a valid ONNX model (${(error as Error).message})`, { file: sourcePath });
  }
  const existing = countAttentionOutputs(model.graph);
  let layers = existing;
  try {
    if (existing === 0) layers = exposeAttentionSoftmaxes(model, expectedLayers);
  } catch (error) {
    // Name the model file: the user sees which model cannot show attention (fused export, layer mismatch).
    if (error instanceof TransferKitError && error.where.file === undefined) {
      throw new TransferKitError(error.kind, error.message, { ...error.where, file: sourcePath }, { cause: error });
    }
    throw error;
  }
  await writeChunksAtomic(targetPath, encodeModelChunks(model));
  return { layers };
}

export function countAttentionOutputs(graph: GraphProto): number {
  return graph.output.filter((o) => o.name.startsWith(ATTENTION_OUTPUT_PREFIX)).length;
}

/** Mutates `model`: adds one Identity node and one graph output per self-attention Softmax. */
export function exposeAttentionSoftmaxes(model: ModelProto, expectedLayers?: number): number {
  const graph = model.graph;
  const fused = graph.node.find((n) => FUSED_ATTENTION_OPS.has(n.opType));
  if (fused) {
    throw inputError(
      `the model uses fused attention (${fused.domain ? `${fused.domain}.` : ''}${fused.opType} node '${fused.name}'), so its attention maps cannot be exposed; export it without attention fusion (e.g. a plain torch.onnx.export or Optimum export without ONNX Runtime optimization)`,
    );
  }
  const index = new GraphIndex(graph);
  const softmaxes = index.topologicalOrder().filter((n) => n.opType === 'Softmax' && (n.domain === '' || n.domain === 'ai.onnx'));
  if (softmaxes.length === 0) {
    throw inputError('the model has no Softmax node (fused attention?), so its attention maps cannot be exposed; use an unfused export of the model');
  }
  const attention = softmaxes.filter((n) => index.isSelfAttentionSoftmax(n));
  if (attention.length === 0) {
    throw inputError(`none of the model's ${softmaxes.length} Softmax nodes sits between Q·Kᵀ and a MatMul with V, so no attention maps can be exposed (fused or unusual attention; use an unfused export)`);
  }
  if (expectedLayers !== undefined && attention.length !== expectedLayers) {
    throw inputError(`found ${attention.length} self-attention Softmax nodes but the model config says ${expectedLayers} layers`);
  }

  const [batch, sequence] = inputDimNames(graph);
  attention.forEach((softmax, layer) => {
    const name = `${ATTENTION_OUTPUT_PREFIX}${layer}`;
    const heads = index.headCount(softmax) ?? 'num_heads';
    graph.node.push(makeNode('Identity', [softmax.output[0]!], [name], `transferkit/${name}/Identity`));
    graph.output.push(tensorValueInfo(name, DataType.FLOAT, [batch, heads, sequence, sequence]));
  });
  return attention.length;
}

/** Symbolic batch and sequence dims of the first graph input (Optimum: batch_size, sequence_length). */
function inputDimNames(graph: GraphProto): [string, string] {
  const shape = graph.input.find((i) => i.name === 'input_ids')?.type?.tensorType?.shape ?? graph.input[0]?.type?.tensorType?.shape;
  return [shape?.[0]?.param ?? 'batch_size', shape?.[1]?.param ?? 'sequence_length'];
}

/** Who produces and who consumes each tensor, plus constant values for shape lookups. */
class GraphIndex {
  private readonly producer = new Map<string, NodeProto>();
  private readonly consumers = new Map<string, NodeProto[]>();
  private readonly initializers = new Map<string, TensorProto>();

  constructor(private readonly graph: GraphProto) {
    for (const node of graph.node) {
      for (const out of node.output) if (out) this.producer.set(out, node);
      for (const input of node.input) {
        if (!input) continue;
        const list = this.consumers.get(input);
        if (list) list.push(node);
        else this.consumers.set(input, [node]);
      }
    }
    for (const init of graph.initializer) {
      const tensor = initializerTensor(init);
      this.initializers.set(tensor.name, tensor);
    }
  }

  /** Kahn's algorithm, stable in file order (ONNX files are usually sorted already, but need not be). */
  topologicalOrder(): NodeProto[] {
    const nodes = this.graph.node;
    const position = new Map(nodes.map((n, i) => [n, i]));
    const waiting = nodes.map((n) => n.input.filter((i) => i && this.producer.has(i)).length);
    const ready: number[] = [];
    waiting.forEach((count, i) => count === 0 && ready.push(i));
    const order: NodeProto[] = [];
    while (ready.length > 0) {
      ready.sort((a, b) => a - b);
      const i = ready.shift()!;
      const node = nodes[i]!;
      order.push(node);
      for (const out of node.output) {
        for (const consumer of this.consumers.get(out) ?? []) {
          // A node may read the same tensor twice; count each use.
          for (const input of consumer.input) {
            if (input !== out) continue;
            const j = position.get(consumer)!;
            if (--waiting[j]! === 0) ready.push(j);
          }
        }
      }
    }
    if (order.length !== nodes.length) throw inputError('the ONNX graph has a cycle');
    return order;
  }

  private isActivation(tensor: string): boolean {
    if (this.initializers.has(tensor)) return false;
    const node = this.producer.get(tensor);
    return !node || node.opType !== 'Constant';
  }

  isSelfAttentionSoftmax(softmax: NodeProto): boolean {
    return this.feedsValueMatMul(softmax.output[0]!) && this.findScoresMatMul(softmax.input[0]!) !== undefined;
  }

  private feedsValueMatMul(tensor: string, depth = 0): boolean {
    for (const consumer of this.consumers.get(tensor) ?? []) {
      if (consumer.opType === 'MatMul' && consumer.input[0] === tensor && this.isActivation(consumer.input[1]!)) return true;
      if (depth < 3 && PROBS_PASS_THROUGH_OPS.has(consumer.opType) && this.feedsValueMatMul(consumer.output[0]!, depth + 1)) return true;
    }
    return false;
  }

  /** The Q·Kᵀ MatMul behind a Softmax input: both of its operands are activations. */
  private findScoresMatMul(tensor: string, depth = 0): NodeProto | undefined {
    const node = this.producer.get(tensor);
    if (!node) return undefined;
    if (node.opType === 'MatMul') return node.input.every((i) => this.isActivation(i)) ? node : undefined;
    if (depth >= MAX_SCORE_DEPTH || !SCORE_ARITHMETIC_OPS.has(node.opType)) return undefined;
    for (const input of node.input) {
      if (!input || !this.isActivation(input)) continue;
      const found = this.findScoresMatMul(input, depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  /** Heads from the constant Reshape target [batch, seq, heads, head_dim] before Q's Transpose, if constant. */
  headCount(softmax: NodeProto): number | undefined {
    const scores = this.findScoresMatMul(softmax.input[0]!);
    let node = scores && this.producer.get(scores.input[0]!);
    for (let depth = 0; node && depth < 3; depth++, node = this.producer.get(node.input[0]!)) {
      if (node.opType !== 'Reshape') continue;
      const shape = this.constantInts(node.input[1]!);
      return shape?.length === 4 && shape[2]! > 0 ? shape[2] : undefined;
    }
    return undefined;
  }

  private constantInts(tensor: string): number[] | undefined {
    const node = this.producer.get(tensor);
    try {
      if (node?.opType === 'Constant') {
        const value = node.attribute.find((a) => a.name === 'value')?.t;
        return value ? tensorInts(value) : undefined;
      }
      const init = this.initializers.get(tensor);
      return init ? tensorInts(init) : undefined;
    } catch {
      return undefined;
    }
  }
}
