/**
 * The top of a BERT encoder in TF.js, so that it trains (autodiff) where ONNX Runtime can only infer:
 * self-attention with the additive mask bias, output projection + residual + LayerNorm, erf-GELU FFN +
 * residual + LayerNorm — the math of transformers' BertLayer — and, when the whole encoder trains,
 * the embeddings (word + position + token type, LayerNorm). Variables are named by the ONNX initializer
 * each one replaces, so a checkpoint's updated weights can be written back into the same graph.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../../core/index.ts';
import type { BertStructure, EncoderLayerNames, LayerNormNames, LinearNames } from '../onnx/bert-structure.ts';
import type { WeightQuantization } from '../onnx/graph-index.ts';

export interface EncoderShape {
  hidden: number;
  heads: number;
  layerNormEps: number;
}

/** Which part trains: the top `layers.length` layers, plus the embeddings when the whole encoder does. */
export interface EncoderTopNames {
  embeddings: BertStructure['embeddings'] | null;
  layers: EncoderLayerNames[];
}

/** A large negative instead of float32.min: the same softmax (exp underflows to 0) without infinities in gradients. */
const MASK_BIAS = -1e9;

type Lookup = (name: string) => tf.Variable;

export class TfBertTop {
  private constructor(
    readonly shape: EncoderShape,
    readonly names: EncoderTopNames,
    private readonly vars: Map<string, tf.Variable>,
  ) {}

  /** Variables from the initializers' values (`weights` maps initializer name → values, shape from `dims`). */
  static fromWeights(shape: EncoderShape, names: EncoderTopNames, weights: (name: string) => { dims: number[]; data: Float32Array }): TfBertTop {
    const vars = new Map<string, tf.Variable>();
    for (const name of trainedInitializers(names)) {
      const { dims, data } = weights(name);
      vars.set(name, tf.tidy(() => tf.variable(tf.tensor(data, dims), true, `bert/${name}-${++counter}`)));
    }
    return new TfBertTop(shape, names, vars);
  }

  /** Whether token ids (not a cached hidden state) are the input: the embeddings train too. */
  get fromTokens(): boolean {
    return this.names.embeddings !== null;
  }

  /** Weight decay on matrices only: HF's Trainer exempts biases and LayerNorm weights. */
  variables(): NamedVariable[] {
    return [...this.vars].map(([name, variable]) => ({ name, variable, decay: variable.rank === 2 }));
  }

  async readWeights(): Promise<{ name: string; shape: number[]; data: Float32Array }[]> {
    const out = [];
    for (const [name, variable] of this.vars) out.push({ name, shape: variable.shape.slice(), data: (await variable.data()) as Float32Array });
    return out;
  }

  /** Embeddings of int32 token ids [B, S] (positions 0..S-1): word + position + token type, then LayerNorm. */
  embed(inputIds: tf.Tensor2D, tokenTypeIds: tf.Tensor2D): tf.Tensor3D {
    const e = this.names.embeddings;
    if (!e) throw new Error('this encoder top does not include the embeddings');
    return tf.tidy(() => {
      const [batch, seq] = inputIds.shape;
      const v = this.lookup;
      let x = tf.gather(v(e.word), inputIds) as tf.Tensor3D;
      x = tf.add(x, tf.expandDims(tf.slice(v(e.position), [0, 0], [seq, this.shape.hidden]), 0));
      if (e.tokenType) x = tf.add(x, tf.gather(v(e.tokenType), tokenTypeIds));
      return this.layerNorm(tf.reshape(x, [batch * seq, this.shape.hidden]), e.norm).reshape([batch, seq, this.shape.hidden]);
    });
  }

  /**
   * The trained layers over a hidden state [B, S, H] with an attention mask [B, S] (1 real, 0 padding).
   * With `attentions`, each layer's probabilities [B, heads, S, S] are pushed there (kept: the caller disposes).
   */
  forward(hidden: tf.Tensor3D, mask: tf.Tensor2D, attentions?: tf.Tensor4D[]): tf.Tensor3D {
    return tf.tidy(() => {
      const [batch, seq, width] = hidden.shape;
      // [B, 1, 1, S]: added to every head's scores, as transformers' extended attention mask.
      const bias = tf.reshape(tf.mul(tf.sub(1, mask), MASK_BIAS), [batch, 1, 1, seq]);
      let h: tf.Tensor2D = tf.reshape(hidden, [batch * seq, width]);
      for (const layer of this.names.layers) h = this.layer(h, layer, bias, batch, seq, attentions);
      return tf.reshape(h, [batch, seq, width]);
    });
  }

  /** Sets the variables named in `weights` (a checkpoint's trained backbone weights). */
  assign(weights: Map<string, Float32Array>): void {
    for (const [name, data] of weights) {
      const variable = this.vars.get(name);
      if (!variable || variable.size !== data.length) throw new Error(`weight '${name}' does not fit this encoder top`);
      tf.tidy(() => variable.assign(tf.tensor(data, variable.shape)));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }

  private get lookup(): Lookup {
    return (name) => {
      const found = this.vars.get(name);
      if (!found) throw new Error(`no variable for initializer '${name}'`);
      return found;
    };
  }

  private layer(x: tf.Tensor2D, names: EncoderLayerNames, bias: tf.Tensor, batch: number, seq: number, attentions?: tf.Tensor4D[]): tf.Tensor2D {
    const { hidden, heads } = this.shape;
    const headDim = hidden / heads;
    const toHeads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [batch, seq, heads, headDim]), [0, 2, 1, 3]);
    const q = toHeads(this.linear(x, names.query));
    const kT = tf.transpose(tf.reshape(this.linear(x, names.key), [batch, seq, heads, headDim]), [0, 2, 3, 1]);
    const v = toHeads(this.linear(x, names.value));
    const scores = tf.add(tf.div(tf.matMul(q, kT), Math.sqrt(headDim)), bias);
    const probs = tf.softmax(scores) as tf.Tensor4D;
    if (attentions) attentions.push(tf.keep(probs));
    const context = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [batch * seq, hidden]) as tf.Tensor2D;
    const h1 = this.layerNorm(tf.add(this.linear(context, names.attentionOutput), x), names.attentionNorm);
    const up = this.linear(h1, names.intermediate);
    const gelu = tf.mul(tf.mul(up, 0.5), tf.add(tf.erf(tf.mul(up, Math.SQRT1_2)), 1)) as tf.Tensor2D;
    return this.layerNorm(tf.add(this.linear(gelu, names.output), h1), names.outputNorm);
  }

  private linear(x: tf.Tensor2D, { kernel, bias }: LinearNames): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.lookup(kernel) as tf.Tensor2D), this.lookup(bias));
  }

  private layerNorm(x: tf.Tensor2D, { gamma, beta }: LayerNormNames): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalized = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.shape.layerNormEps)));
    return tf.add(tf.mul(normalized, this.lookup(gamma)), this.lookup(beta));
  }
}

/** TF.js variable names are global to the engine; several encoders may live at once. */
let counter = 0;

/** Every initializer the trained part reads, in a stable order (embeddings first, then layer by layer). */
export function trainedInitializers(names: EncoderTopNames): string[] {
  const out: string[] = [];
  const e = names.embeddings;
  if (e) out.push(e.word, e.position, ...(e.tokenType ? [e.tokenType] : []), e.norm.gamma, e.norm.beta);
  for (const l of names.layers) {
    for (const linear of [l.query, l.key, l.value, l.attentionOutput]) out.push(linear.kernel, linear.bias);
    out.push(l.attentionNorm.gamma, l.attentionNorm.beta);
    for (const linear of [l.intermediate, l.output]) out.push(linear.kernel, linear.bias);
    out.push(l.outputNorm.gamma, l.outputNorm.beta);
  }
  return [...new Set(out)];
}

/** The int8 kernels among them (a dynamically quantized model), with how to read each back as floats. */
export function quantizedKernels(names: EncoderTopNames): Map<string, WeightQuantization> {
  const out = new Map<string, WeightQuantization>();
  for (const l of names.layers) {
    for (const linear of [l.query, l.key, l.value, l.attentionOutput, l.intermediate, l.output]) if (linear.quantization) out.set(linear.kernel, linear.quantization);
  }
  return out;
}

/** The top `k` layers of a structure ('all': every layer and the embeddings). */
export function encoderTop(structure: BertStructure, k: number | 'all'): EncoderTopNames {
  const total = structure.layers.length;
  if (k === 'all') return { embeddings: structure.embeddings, layers: structure.layers };
  return { embeddings: null, layers: structure.layers.slice(total - k) };
}
