import * as tf from '@tensorflow/tfjs';
import { activate, activateBackward } from './activations.ts';
import { layerShapes, penultimateDim, type Activation, type HeadSpec } from './config.ts';
import type { NamedVariable } from '../core/index.ts';
import type { Rng } from '../core/index.ts';

/** What the traced forward pass keeps for backward() (all tensors live inside the caller's tidy). */
export interface ForwardTrace {
  inputs: tf.Tensor2D[];
  preActivations: tf.Tensor2D[];
  activations: tf.Tensor2D[];
  masks: (tf.Tensor2D | null)[];
}

/** One dense layer's variables: kernel [inputs, outputs] (TF layout) and bias [outputs]. */
interface Dense {
  name: string;
  kernel: tf.Variable<tf.Rank.R2>;
  bias: tf.Variable<tf.Rank.R1>;
}

export type { NamedVariable } from '../core/index.ts';

/**
 * A classification head: a stack of dense layers whose weights are named tf.Variables. Gradients come
 * from TF.js autodiff (tf.variableGrads through forward()); the union package `@tensorflow/tfjs`
 * registers every gradient in plain Node, on the cpu and wasm backends too.
 */
export class Head {
  readonly spec: HeadSpec;
  private readonly layers: Dense[];
  private isFrozen = false;

  private constructor(spec: HeadSpec, layers: Dense[]) {
    this.spec = spec;
    this.layers = layers;
  }

  /** PyTorch nn.Linear initialisation: kernel and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), from the run's generator. */
  static create(spec: HeadSpec, rng: Rng): Head {
    const layers = layerShapes(spec).map(({ name, inputs, outputs }) => {
      const bound = 1 / Math.sqrt(inputs);
      const kernel = new Float32Array(inputs * outputs);
      for (let i = 0; i < kernel.length; i++) kernel[i] = rng.uniform(-bound, bound);
      const bias = new Float32Array(outputs);
      for (let i = 0; i < outputs; i++) bias[i] = rng.uniform(-bound, bound);
      return makeDense(name, tf.tensor2d(kernel, [inputs, outputs]), tf.tensor1d(bias));
    });
    return new Head(spec, layers);
  }

  /** Rebuilds a head from named weights (a checkpoint); shapes must already have been validated. */
  static fromWeights(spec: HeadSpec, weights: Map<string, Float32Array>): Head {
    const layers = layerShapes(spec).map(({ name, inputs, outputs }) => {
      const kernel = weights.get(`${name}/kernel`);
      const bias = weights.get(`${name}/bias`);
      if (!kernel || !bias) throw new Error(`weights for layer '${name}' are missing`);
      return makeDense(name, tf.tensor2d(kernel, [inputs, outputs]), tf.tensor1d(bias));
    });
    return new Head(spec, layers);
  }

  get frozen(): boolean {
    return this.isFrozen;
  }

  /** Marks every variable non-trainable; training a frozen head is refused. */
  freeze(): void {
    this.isFrozen = true;
    for (const v of this.variables()) v.variable.trainable = false;
  }

  variables(): NamedVariable[] {
    return this.layers.flatMap((layer) => [
      { name: `${layer.name}/kernel`, variable: layer.kernel as tf.Variable, decay: true },
      { name: `${layer.name}/bias`, variable: layer.bias as tf.Variable, decay: false },
    ]);
  }

  /** Weights as named Float32Arrays, in variables() order. */
  async readWeights(): Promise<{ name: string; shape: number[]; data: Float32Array }[]> {
    const out = [];
    for (const { name, variable } of this.variables()) {
      out.push({ name, shape: variable.shape.slice(), data: (await variable.data()) as Float32Array });
    }
    return out;
  }

  get penultimateDim(): number {
    return penultimateDim(this.spec);
  }

  /** Inference logits (no dropout). */
  logits(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.forward(x));
  }

  /** The representation fed to the classifier layer: the last hidden activation, or the input for a linear head. */
  penultimate(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      for (let i = 0; i < this.layers.length - 1; i++) h = activate(this.activation, this.dense(i, h));
      // A linear head's penultimate is its input; hand back a copy the caller may dispose.
      return h === x ? tf.clone(x) : h;
    });
  }

  /**
   * Forward pass to the logits. With `dropoutRng` it is the training pass: inverted dropout after each
   * hidden activation, masks drawn from that generator (so a resumed run draws the same ones). Call it
   * inside tf.variableGrads / tf.tidy.
   */
  forward(x: tf.Tensor2D, dropoutRng?: Rng): tf.Tensor2D {
    const dropout = dropoutRng && this.spec.type === 'mlp' ? this.spec.dropout : 0;
    let h = x;
    for (let i = 0; i < this.layers.length - 1; i++) {
      const a = activate(this.activation, this.dense(i, h));
      h = dropout > 0 ? tf.mul(a, dropoutMask(a.shape[0], a.shape[1], dropout, dropoutRng!)) : a;
    }
    return this.dense(this.layers.length - 1, h);
  }

  /**
   * forward() with dropout, keeping what backward() needs: the hand-written gradients of the head's
   * own training steps (see headLossAndGradients in train/step.ts for why). Same dropout draws as forward().
   * Call inside tf.tidy.
   */
  forwardTraced(x: tf.Tensor2D, dropoutRng: Rng): { logits: tf.Tensor2D; trace: ForwardTrace } {
    const trace: ForwardTrace = { inputs: [], preActivations: [], activations: [], masks: [] };
    const dropout = this.spec.type === 'mlp' ? this.spec.dropout : 0;
    let h = x;
    for (let i = 0; i < this.layers.length - 1; i++) {
      trace.inputs.push(h);
      const z = this.dense(i, h);
      const a = activate(this.activation, z);
      trace.preActivations.push(z);
      trace.activations.push(a);
      const mask = dropout > 0 ? dropoutMask(a.shape[0], a.shape[1], dropout, dropoutRng) : null;
      trace.masks.push(mask);
      h = mask ? tf.mul(a, mask) : a;
    }
    trace.inputs.push(h);
    return { logits: this.dense(this.layers.length - 1, h), trace };
  }

  /** Gradients of every variable, by name, from dL/dlogits. Call inside the same tidy as forwardTraced. */
  backward(trace: ForwardTrace, dLogits: tf.Tensor2D): Map<string, tf.Tensor> {
    const grads = new Map<string, tf.Tensor>();
    let dOut = dLogits;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i];
      const input = trace.inputs[i];
      // Explicit transposes: the wasm backend's matMul with transpose flags is 3-7x slower.
      grads.set(`${layer.name}/kernel`, tf.matMul(tf.transpose(input), dOut));
      grads.set(`${layer.name}/bias`, tf.sum(dOut, 0));
      if (i === 0) break;
      let dh: tf.Tensor2D = tf.matMul(dOut, tf.transpose(layer.kernel));
      const mask = trace.masks[i - 1];
      if (mask) dh = tf.mul(dh, mask);
      dOut = activateBackward(this.activation, trace.preActivations[i - 1], trace.activations[i - 1], dh);
    }
    return grads;
  }

  dispose(): void {
    for (const { variable } of this.variables()) variable.dispose();
  }

  /** Only MLP heads have hidden layers, so only they ever apply it. */
  private get activation(): Activation {
    return this.spec.type === 'mlp' ? this.spec.activation : 'relu';
  }

  private dense(i: number, x: tf.Tensor2D): tf.Tensor2D {
    const layer = this.layers[i];
    return tf.add(tf.matMul(x, layer.kernel), layer.bias);
  }
}

function makeDense(name: string, kernel: tf.Tensor2D, bias: tf.Tensor1D): Dense {
  const dense = {
    name,
    kernel: tf.variable(kernel, true, `${name}/kernel-${uniqueSuffix()}`) as tf.Variable<tf.Rank.R2>,
    bias: tf.variable(bias, true, `${name}/bias-${uniqueSuffix()}`) as tf.Variable<tf.Rank.R1>,
  };
  kernel.dispose();
  bias.dispose();
  return dense;
}

/** TF.js variable names are global to the engine; several heads may live at once. */
let counter = 0;
function uniqueSuffix(): number {
  return ++counter;
}

function dropoutMask(rows: number, cols: number, rate: number, rng: Rng): tf.Tensor2D {
  const keep = 1 / (1 - rate);
  const mask = new Float32Array(rows * cols);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < rate ? 0 : keep;
  return tf.tensor2d(mask, [rows, cols]);
}
