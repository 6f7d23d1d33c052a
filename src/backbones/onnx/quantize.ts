/**
 * Dynamic int8 quantization of an ONNX graph, as ONNX Runtime's `quantize_dynamic` (and Optimum's
 * dynamic configs) write it: every MatMul / Gemm whose B is a float32 weight gets int8 weights with one
 * symmetric scale per output column (zero point 0); the activation is quantized to uint8 at run time by
 * DynamicQuantizeLinear, so ONNX Runtime runs its integer (VNNI / AVX2) GEMM kernels.
 *
 * Everything else (embeddings, LayerNorm, attention's activation·activation MatMuls) stays float, so
 * the attention surgery and the structure mapping still find their patterns. Quantized weights are
 * produced lazily when the model is written: a 400 MB model is never held twice.
 */
import { floatTensor, makeNode } from './build.ts';
import { DataType, initializerTensor, tensorFloats, type Initializer, type ModelProto, type NodeProto, type TensorProto } from './model.ts';

/**
 * How a quantized MatMul is written:
 * - `integer`: DynamicQuantizeLinear → MatMulInteger → Cast → Mul(scale), standard ONNX ops, exactly
 *   what `quantize_dynamic` writes; ONNX Runtime's graph optimizer fuses it into its own int8 kernels.
 * - `fused`: ONNX Runtime's com.microsoft DynamicQuantizeMatMul node directly (CPU only).
 * Which runs faster here: see DEFAULT_QUANTIZED_FORM.
 */
export type QuantizedForm = 'integer' | 'fused';

/**
 * Measured with bench/int8-vs-fp32.ts (onnxruntime-node 1.30, bert-base-size generated model, 256 MNLI
 * pairs, 2 AVX-512 VNNI cores under heavy load, 3 interleaved rounds): integer 8.7 / 6.8 / 8.6 pairs/s,
 * fused 9.0 / 9.6 / 7.9, fp32 2.5 / 3.1 / 3.4. The forms are within the machine's noise: at load time
 * ONNX Runtime rewrites the integer form into its own fused kernels (DynamicQuantizeMatMul where an
 * activation feeds one MatMul; DynamicQuantizeLinear + MatMulIntegerToFloat with the bias folded in
 * where Q, K and V share one quantized activation). So the default is the standard-op form, exactly what
 * `quantize_dynamic` writes and what other ONNX runtimes can run.
 */
export const DEFAULT_QUANTIZED_FORM: QuantizedForm = 'integer';

export interface QuantizeOptions {
  form?: QuantizedForm;
  /**
   * 7-bit weights (±64 instead of ±127), as `reduce_range=True`: avoids the int16 saturation of the
   * u8·s8 AVX2 kernels on CPUs without VNNI, at twice the weight rounding error. Off by default (VNNI
   * CPUs, and ONNX Runtime's AVX2 path for dynamic quantization, do not saturate on BERT's shapes).
   */
  reduceRange?: boolean;
  /**
   * One weight scale per output column (true, the default: ORT's `per_channel=True`, Optimum's dynamic
   * configs) or one per weight matrix (false: `quantize_dynamic`'s own default, coarser).
   */
  perChannel?: boolean;
  /**
   * MatMul / Gemm nodes left in float32, by node name, as `quantize_dynamic`'s / Optimum's
   * `nodes_to_exclude`; patterns are path-style globs (`*` within one `/` segment, `**` across them):
   * `/encoder/layer.*\/output/dense/MatMul` keeps every FFN output projection float.
   */
  excludeNodes?: readonly string[];
}

export interface QuantizeResult {
  /** MatMul / Gemm nodes now running in int8. */
  quantized: number;
  /** MatMul / Gemm nodes with a float weight left float (Gemm with transA, weights that are not 2-D). */
  skipped: number;
  /** MatMul / Gemm nodes with a float weight left float because `excludeNodes` names them. */
  excluded: number;
}

/** Mutates `model`: quantizes its weight MatMuls / Gemms in place. */
export function quantizeDynamic(model: ModelProto, options: QuantizeOptions = {}): QuantizeResult {
  const form = options.form ?? DEFAULT_QUANTIZED_FORM;
  const qmax = options.reduceRange ? 64 : 127;
  const perChannel = options.perChannel ?? true;
  const isExcluded = nodeNameMatcher(options.excludeNodes ?? []);
  const graph = model.graph;
  const initializers = new Map<string, Initializer>();
  for (const init of graph.initializer) initializers.set(initializerTensor(init).name, init);

  const quantizedWeights = new Map<string, QuantizedWeight>();
  const activationQuantizers = new Map<string, { q: string; scale: string; zeroPoint: string }>();
  const replacedWeights = new Set<string>();
  const newInitializers: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  let quantized = 0;
  let skipped = 0;
  let excluded = 0;

  for (const node of graph.node) {
    const plan = planFor(node, initializers);
    if (plan === 'not-a-weight-op') {
      nodes.push(node);
      continue;
    }
    if (plan === 'skip') {
      skipped++;
      nodes.push(node);
      continue;
    }
    if (isExcluded(node.name)) {
      excluded++;
      nodes.push(node);
      continue;
    }
    quantized++;
    const key = `${plan.weight}|${plan.transposed}|${plan.alpha}`;
    let weight = quantizedWeights.get(key);
    if (!weight) {
      weight = quantizeWeight(initializerTensor(initializers.get(plan.weight)!), plan.transposed, plan.alpha, qmax, perChannel, plan.weight);
      quantizedWeights.set(key, weight);
      newInitializers.push(weight.values, weight.scale, weight.zeroPoint);
    }
    replacedWeights.add(plan.weight);
    const product = plan.bias === undefined ? node.output[0]! : `${node.output[0]!}_int8_product`;
    if (form === 'fused') {
      nodes.push(
        makeNode('DynamicQuantizeMatMul', [plan.input, weight.values.name, weight.scale.name, weight.zeroPoint.name], [product], `${node.name || product}_int8`, {}, 'com.microsoft'),
      );
    } else {
      let activation = activationQuantizers.get(plan.input);
      if (!activation) {
        activation = { q: `${plan.input}_quantized`, scale: `${plan.input}_scale`, zeroPoint: `${plan.input}_zero_point` };
        activationQuantizers.set(plan.input, activation);
        nodes.push(makeNode('DynamicQuantizeLinear', [plan.input], [activation.q, activation.scale, activation.zeroPoint], `${plan.input}_QuantizeLinear`));
      }
      const base = node.name || product;
      nodes.push(
        makeNode('MatMulInteger', [activation.q, weight.values.name, activation.zeroPoint, weight.zeroPoint.name], [`${product}_int32`], `${base}_quant`),
        makeNode('Cast', [`${product}_int32`], [`${product}_int32_float`], `${base}_quant_cast`, { to: DataType.FLOAT }),
        makeNode('Mul', [activation.scale, weight.scale.name], [`${product}_scales`], `${base}_quant_scales_mul`),
        makeNode('Mul', [`${product}_int32_float`, `${product}_scales`], [product], `${base}_quant_output_scale_mul`),
      );
    }
    if (plan.bias !== undefined) nodes.push(...gemmBias(node, product, plan.bias, plan.beta));
  }

  // A float weight goes only when no float node still reads it (tied weights).
  const stillRead = new Set(nodes.flatMap((n) => n.input));
  graph.initializer = graph.initializer.filter((init) => {
    const name = initializerTensor(init).name;
    return !replacedWeights.has(name) || stillRead.has(name);
  });
  graph.initializer.push(...newInitializers);
  graph.node = nodes;
  if (form === 'fused' && !model.opsetImport.some((o) => o.domain === 'com.microsoft')) {
    model.opsetImport.push({ domain: 'com.microsoft', version: 1 });
  }
  return { quantized, skipped, excluded };
}

/** Exact node names, or path-style globs: `*` matches within one `/` segment, `**` across segments. */
function nodeNameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const regex = (pattern: string) => pattern.split('**').map((part) => part.split('*').map(escape).join('[^/]*')).join('.*');
  const regexes = patterns.map((p) => new RegExp(`^${regex(p)}$`));
  return (name) => regexes.some((r) => r.test(name));
}

interface WeightPlan {
  input: string;
  weight: string;
  /** Gemm transB: the weight is stored [N, K]. */
  transposed: boolean;
  /** Gemm alpha, folded into the weight scales. */
  alpha: number;
  /** Gemm's C, added after the product (times beta). */
  bias?: string;
  beta: number;
}

function planFor(node: NodeProto, initializers: Map<string, Initializer>): WeightPlan | 'skip' | 'not-a-weight-op' {
  if ((node.domain !== '' && node.domain !== 'ai.onnx') || (node.opType !== 'MatMul' && node.opType !== 'Gemm')) return 'not-a-weight-op';
  const [input, weight, bias] = node.input;
  const init = weight ? initializers.get(weight) : undefined;
  if (!input || !init || initializers.has(input)) return 'not-a-weight-op';
  const tensor = initializerTensor(init);
  if (tensor.dataType !== DataType.FLOAT) return 'not-a-weight-op';
  if (tensor.dims.length !== 2) return 'skip';
  if (node.opType === 'MatMul') return { input, weight, transposed: false, alpha: 1, beta: 1 };
  const attr = (name: string) => node.attribute.find((a) => a.name === name);
  if ((attr('transA')?.i ?? 0) !== 0) return 'skip';
  return {
    input,
    weight,
    transposed: (attr('transB')?.i ?? 0) !== 0,
    alpha: attr('alpha')?.f ?? 1,
    ...(bias ? { bias } : {}),
    beta: attr('beta')?.f ?? 1,
  };
}

/** Gemm's `+ beta * C` after the quantized product. */
function gemmBias(node: NodeProto, product: string, bias: string, beta: number): NodeProto[] {
  const base = node.name || node.output[0]!;
  if (beta === 1) return [makeNode('Add', [product, bias], [node.output[0]!], `${base}_bias_add`)];
  const betaName = `${base}_beta`;
  return [
    makeNode('Constant', [], [betaName], `${base}_beta_constant`, { value: floatTensor('', [], new Float32Array([beta])) }),
    makeNode('Mul', [bias, betaName], [`${base}_scaled_bias`], `${base}_beta_mul`),
    makeNode('Add', [product, `${base}_scaled_bias`], [node.output[0]!], `${base}_bias_add`),
  ];
}

interface QuantizedWeight {
  /** int8 [K, N], produced when written. */
  values: TensorProto;
  /** float [N]: one scale per output column (per channel), or a scalar (per tensor). */
  scale: TensorProto;
  /** int8 zeros (symmetric), shaped as the scale. */
  zeroPoint: TensorProto;
}

/**
 * Symmetric int8 per column (or per tensor): scale = max|w| / qmax (ONNX Runtime's symmetric QInt8 range),
 * q = round(w / scale) with ties to even, as numpy rounds. `alpha` multiplies the scales (Gemm's alpha).
 */
function quantizeWeight(source: TensorProto, transposed: boolean, alpha: number, qmax: number, perChannel: boolean, name: string): QuantizedWeight {
  const [rows, cols] = source.dims as [number, number];
  const [k, n] = transposed ? [cols, rows] : [rows, cols];
  const at = transposed ? (w: Float32Array, i: number, j: number) => w[j * k + i]! : (w: Float32Array, i: number, j: number) => w[i * n + j]!;
  const maxima = columnMaxima(tensorFloats(source), k, n, at);
  if (!perChannel) maxima.fill(maxima.reduce((a, b) => Math.max(a, b), 0));
  // An all-zero column keeps scale 1 (any scale reproduces it; 0 would divide by zero).
  const scales = maxima.map((a) => (a > 0 ? a / qmax : 1));
  const suffix = transposed || alpha !== 1 ? `_${transposed ? 't' : ''}${alpha !== 1 ? `a${alpha}` : ''}` : '';
  const values: TensorProto = {
    name: `${name}${suffix}_quantized`,
    dims: [k, n],
    dataType: DataType.INT8,
    rawData: {
      byteLength: k * n,
      produce: () => {
        const w = tensorFloats(source);
        const out = new Int8Array(k * n);
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < n; j++) out[i * n + j] = Math.max(-qmax, Math.min(qmax, roundHalfEven(at(w, i, j) / scales[j]!)));
        }
        return new Uint8Array(out.buffer);
      },
    },
    unknown: [],
  };
  const scaled = alpha === 1 ? scales : scales.map((s) => s * alpha);
  const [dims, stored] = perChannel ? [[n], scaled] : [[], scaled.subarray(0, 1)];
  return {
    values,
    scale: floatTensor(`${name}${suffix}_scale`, dims, stored),
    zeroPoint: { name: `${name}${suffix}_zero_point`, dims, dataType: DataType.INT8, rawData: new Uint8Array(stored.length), unknown: [] },
  };
}

function columnMaxima(w: Float32Array, k: number, n: number, at: (w: Float32Array, i: number, j: number) => number): Float32Array {
  const amax = new Float32Array(n);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) {
      const v = Math.abs(at(w, i, j));
      if (v > amax[j]!) amax[j] = v;
    }
  }
  return amax;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

