/**
 * An independent float64 BERT forward pass for tests. It reads the weights (the ONNX initializers of a
 * generated fixture, by their Hugging Face parameter names) and computes BertModel from the math —
 * embeddings, LayerNorm, scaled dot-product attention with transformers' additive mask bias, erf GELU —
 * without interpreting the ONNX graph, so it can catch a wrong graph as well as a wrong runtime.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeModel, initializerTensor, tensorFloats } from '../../src/backbones/onnx/model.ts';

export interface ReferenceBertConfig {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  eps: number;
}

export interface ReferenceBert {
  config: ReferenceBertConfig;
  weights: Map<string, { dims: number[]; data: Float64Array }>;
}

export interface ReferenceInputs {
  inputIds: number[][];
  attentionMask: number[][];
  tokenTypeIds: number[][];
}

export interface ReferenceOutputs {
  /** [batch, seq, hidden], row-major. */
  lastHiddenState: Float64Array;
  /** Per layer, [batch, heads, seq, seq] row-major. */
  attentions: Float64Array[];
}

/** transformers' mask bias: (1 - mask) * torch.finfo(float32).min. */
const FLOAT32_MIN = -3.4028234663852886e38;

/** Loads config.json and the float initializers of a model folder (onnx/model.onnx). */
export async function loadReferenceBert(dir: string): Promise<ReferenceBert> {
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  const model = decodeModel(await readFile(join(dir, 'onnx', 'model.onnx')));
  const weights = new Map<string, { dims: number[]; data: Float64Array }>();
  for (const init of model.graph.initializer) {
    const tensor = initializerTensor(init);
    if (tensor.dataType === 1) weights.set(tensor.name, { dims: tensor.dims, data: Float64Array.from(tensorFloats(tensor)) });
  }
  return {
    config: {
      layers: config.num_hidden_layers,
      hidden: config.hidden_size,
      heads: config.num_attention_heads,
      intermediate: config.intermediate_size,
      eps: config.layer_norm_eps,
    },
    weights,
  };
}

export function referenceForward(bert: ReferenceBert, inputs: ReferenceInputs): ReferenceOutputs {
  const { layers, hidden, heads, eps } = bert.config;
  const batch = inputs.inputIds.length;
  const seq = inputs.inputIds[0]!.length;
  const headDim = hidden / heads;
  const w = (name: string) => {
    const found = bert.weights.get(name);
    if (!found) throw new Error(`reference BERT: missing weight ${name}`);
    return found;
  };

  // Embeddings: one [seq, hidden] matrix per batch row.
  const word = w('embeddings.word_embeddings.weight').data;
  const position = w('embeddings.position_embeddings.weight').data;
  const tokenType = w('embeddings.token_type_embeddings.weight').data;
  let states = inputs.inputIds.map((ids, b) => {
    const x = new Float64Array(seq * hidden);
    for (let s = 0; s < seq; s++) {
      const t = inputs.tokenTypeIds[b]![s]!;
      for (let h = 0; h < hidden; h++) {
        x[s * hidden + h] = word[ids[s]! * hidden + h]! + tokenType[t * hidden + h]! + position[s * hidden + h]!;
      }
    }
    return layerNorm(x, seq, hidden, w('embeddings.LayerNorm.weight').data, w('embeddings.LayerNorm.bias').data, eps);
  });

  const attentions: Float64Array[] = [];
  for (let l = 0; l < layers; l++) {
    const p = `encoder.layer.${l}`;
    const probsOut = new Float64Array(batch * heads * seq * seq);
    states = states.map((x, b) => {
      const q = linear(x, seq, w(`${p}.attention.self.query.weight`), w(`${p}.attention.self.query.bias`).data);
      const k = linear(x, seq, w(`${p}.attention.self.key.weight`), w(`${p}.attention.self.key.bias`).data);
      const v = linear(x, seq, w(`${p}.attention.self.value.weight`), w(`${p}.attention.self.value.bias`).data);
      const context = new Float64Array(seq * hidden);
      const scale = Math.sqrt(headDim);
      for (let h = 0; h < heads; h++) {
        for (let i = 0; i < seq; i++) {
          const row = new Float64Array(seq);
          for (let j = 0; j < seq; j++) {
            let dot = 0;
            for (let d = 0; d < headDim; d++) dot += q[i * hidden + h * headDim + d]! * k[j * hidden + h * headDim + d]!;
            row[j] = dot / scale + (1 - inputs.attentionMask[b]![j]!) * FLOAT32_MIN;
          }
          softmaxInPlace(row);
          probsOut.set(row, ((b * heads + h) * seq + i) * seq);
          for (let d = 0; d < headDim; d++) {
            let sum = 0;
            for (let j = 0; j < seq; j++) sum += row[j]! * v[j * hidden + h * headDim + d]!;
            context[i * hidden + h * headDim + d] = sum;
          }
        }
      }
      const attended = linear(context, seq, w(`${p}.attention.output.dense.weight`), w(`${p}.attention.output.dense.bias`).data);
      const h1 = layerNorm(add(attended, x), seq, hidden, w(`${p}.attention.output.LayerNorm.weight`).data, w(`${p}.attention.output.LayerNorm.bias`).data, eps);
      const up = linear(h1, seq, w(`${p}.intermediate.dense.weight`), w(`${p}.intermediate.dense.bias`).data).map(gelu);
      const down = linear(up, seq, w(`${p}.output.dense.weight`), w(`${p}.output.dense.bias`).data);
      return layerNorm(add(down, h1), seq, hidden, w(`${p}.output.LayerNorm.weight`).data, w(`${p}.output.LayerNorm.bias`).data, eps);
    });
    attentions.push(probsOut);
  }

  const lastHiddenState = new Float64Array(batch * seq * hidden);
  states.forEach((x, b) => lastHiddenState.set(x, b * seq * hidden));
  return { lastHiddenState, attentions };
}

/** x [rows, in] @ W [in, out] + bias (the fixture stores linear weights as [in, out]). */
function linear(x: Float64Array, rows: number, weight: { dims: number[]; data: Float64Array }, bias: Float64Array): Float64Array {
  const [inDim, outDim] = weight.dims as [number, number];
  const out = new Float64Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outDim; o++) {
      let sum = bias[o]!;
      for (let i = 0; i < inDim; i++) sum += x[r * inDim + i]! * weight.data[i * outDim + o]!;
      out[r * outDim + o] = sum;
    }
  }
  return out;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]!);
}

function layerNorm(x: Float64Array, rows: number, dim: number, gamma: Float64Array, beta: Float64Array, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let i = 0; i < dim; i++) mean += x[r * dim + i]!;
    mean /= dim;
    let variance = 0;
    for (let i = 0; i < dim; i++) variance += (x[r * dim + i]! - mean) ** 2;
    variance /= dim;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < dim; i++) out[r * dim + i] = (x[r * dim + i]! - mean) * inv * gamma[i]! + beta[i]!;
  }
  return out;
}

function softmaxInPlace(row: Float64Array): void {
  const max = Math.max(...row);
  let sum = 0;
  for (let j = 0; j < row.length; j++) {
    row[j] = Math.exp(row[j]! - max);
    sum += row[j]!;
  }
  for (let j = 0; j < row.length; j++) row[j]! /= sum;
}

const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** erf to about 1e-13: Maclaurin series for |x| < 3, Laplace's continued fraction for erfc beyond. */
export function erf(x: number): number {
  const a = Math.abs(x);
  let result: number;
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    result = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let t = a;
    for (let n = 80; n >= 1; n--) t = a + n / 2 / t;
    result = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / t;
  }
  return x < 0 ? -result : result;
}
