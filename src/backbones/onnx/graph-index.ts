/** An index over an ONNX graph: producers, consumers, initializers, topological order, and the self-attention pattern. */
import { inputError } from '../../errors.ts';
import { initializerTensor, tensorInts, type GraphProto, type NodeProto, type TensorProto } from './model.ts';

/** Ops between Q·Kᵀ and the Softmax (scale, mask bias, casts) that the backward search walks through. */
const SCORE_ARITHMETIC_OPS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Where', 'Cast', 'Identity', 'Reshape', 'Expand']);
/** Ops a Softmax output may pass through before meeting V (dropout is Identity-like at inference). */
const PROBS_PASS_THROUGH_OPS = new Set(['Dropout', 'Cast', 'Identity', 'Reshape']);
const MAX_SCORE_DEPTH = 8;

/** How an int8 weight maps back to floats: w = (q - zeroPoint) · scale, one scale per output column. */
export interface WeightQuantization {
  scale: string;
  /** Absent: zero. */
  zeroPoint?: string;
}

/** `x · W` for a weight W, in any of the forms a dynamically quantized graph writes it. */
export interface WeightProduct {
  /** The activation x. */
  input: string;
  /** W: a float weight, or an int8 one with its quantization. */
  kernel: string;
  quantization?: WeightQuantization;
}

/** Symbolic batch and sequence dims of the first graph input (Optimum: batch_size, sequence_length). */
export function inputDimNames(graph: GraphProto): [string, string] {
  const shape = graph.input.find((i) => i.name === 'input_ids')?.type?.tensorType?.shape ?? graph.input[0]?.type?.tensorType?.shape;
  return [shape?.[0]?.param ?? 'batch_size', shape?.[1]?.param ?? 'sequence_length'];
}

/** Who produces and who consumes each tensor, plus constant values for shape lookups. */
export class GraphIndex {
  readonly producer = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();
  readonly initializers = new Map<string, TensorProto>();

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

  isActivation(tensor: string): boolean {
    if (this.initializers.has(tensor)) return false;
    const node = this.producer.get(tensor);
    return !node || node.opType !== 'Constant';
  }

  /**
   * `node` as the end of a weight product: a float MatMul(x, W); ONNX Runtime's DynamicQuantizeMatMul(x, Wq,
   * scale, zero point); or quantize_dynamic's Mul(Cast(MatMulInteger(DynamicQuantizeLinear(x), Wq)), x_scale · scale).
   */
  weightProduct(node: NodeProto): WeightProduct | undefined {
    const isDefault = node.domain === '' || node.domain === 'ai.onnx';
    if (isDefault && node.opType === 'MatMul') {
      return this.initializers.has(node.input[1]!) && this.isActivation(node.input[0]!) ? { input: node.input[0]!, kernel: node.input[1]! } : undefined;
    }
    if (node.domain === 'com.microsoft' && node.opType === 'DynamicQuantizeMatMul') {
      const [input, kernel, scale, zeroPoint] = node.input;
      if (!input || !kernel || !scale || !this.initializers.has(kernel) || !this.initializers.has(scale)) return undefined;
      return { input, kernel, quantization: { scale, ...(zeroPoint ? { zeroPoint } : {}) } };
    }
    if (!isDefault || node.opType !== 'Mul') return undefined;
    for (const [castOutput, scalesOutput] of [node.input, [...node.input].reverse()] as const) {
      const cast = this.producer.get(castOutput!);
      const integer = cast?.opType === 'Cast' ? this.producer.get(cast.input[0]!) : undefined;
      if (integer?.opType !== 'MatMulInteger') continue;
      const quantizer = this.producer.get(integer.input[0]!);
      const kernel = integer.input[1]!;
      const scales = this.producer.get(scalesOutput!);
      if (quantizer?.opType !== 'DynamicQuantizeLinear' || !this.initializers.has(kernel) || scales?.opType !== 'Mul') continue;
      const scale = scales.input.find((i) => this.initializers.has(i));
      if (!scale || !scales.input.includes(quantizer.output[1]!)) continue;
      const zeroPoint = integer.input[3];
      return { input: quantizer.input[0]!, kernel, quantization: { scale, ...(zeroPoint ? { zeroPoint } : {}) } };
    }
    return undefined;
  }

  isSelfAttentionSoftmax(softmax: NodeProto): boolean {
    return this.feedsValueMatMul(softmax.output[0]!) && this.findScoresMatMul(softmax.input[0]!) !== undefined;
  }

  private feedsValueMatMul(tensor: string): boolean {
    return this.valueMatMul(tensor) !== undefined;
  }

  /** The probabilities · V MatMul a Softmax output feeds (through dropout, casts, reshapes). */
  valueMatMul(tensor: string, depth = 0): NodeProto | undefined {
    for (const consumer of this.consumers.get(tensor) ?? []) {
      if (consumer.opType === 'MatMul' && consumer.input[0] === tensor && this.isActivation(consumer.input[1]!)) return consumer;
      if (depth < 3 && PROBS_PASS_THROUGH_OPS.has(consumer.opType)) {
        const found = this.valueMatMul(consumer.output[0]!, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** The Q·Kᵀ MatMul behind a Softmax input: both of its operands are activations. */
  findScoresMatMul(tensor: string, depth = 0): NodeProto | undefined {
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

  constantInts(tensor: string): number[] | undefined {
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
