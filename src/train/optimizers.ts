import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../heads/head.ts';

export type OptimizerKind = 'adamw' | 'adam' | 'sgd';

export interface OptimizerConfig {
  kind: OptimizerKind;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  momentum: number;
}

/** The optimizer's state as named tensors plus a step counter: what optimizer.bin holds. */
export interface OptimizerState {
  kind: OptimizerKind;
  step: number;
  /**
   * Updates each parameter has had, where that differs from `step`: backbone layers unfrozen at a later
   * epoch start their Adam bias correction at 1, as a parameter group added then does in PyTorch.
   */
  paramSteps?: Record<string, number>;
  slots: { name: string; shape: number[]; data: Float32Array }[];
}

/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter; PyTorch's torch.optim.AdamW), Adam and SGD with
 * momentum (weight decay as L2 added to the gradient, as in PyTorch). Written here rather than using
 * tf.train so that every slot is a named variable we can checkpoint and restore bit for bit.
 */
export class Optimizer {
  readonly config: OptimizerConfig;
  private readonly params: NamedVariable[];
  private readonly slots = new Map<string, tf.Variable>();
  private steps = 0;
  private readonly paramSteps = new Map<string, number>();

  constructor(config: OptimizerConfig, params: NamedVariable[]) {
    this.config = config;
    this.params = params;
    for (const { name, variable } of params) {
      for (const slot of this.slotNames()) {
        const zeros = tf.zerosLike(variable);
        this.slots.set(`${name}/${slot}`, tf.variable(zeros, false));
        zeros.dispose();
      }
    }
  }

  get step(): number {
    return this.steps;
  }

  /**
   * One update with learning rate `lr` (times each parameter's lrScale). Only parameters with a gradient
   * in `grads` take part (frozen backbone layers have none): they alone are clipped to a global L2 norm
   * of `maxGradNorm` (0 = no clipping), as torch.nn.utils.clip_grad_norm_, and updated. Disposes
   * nothing it did not create.
   */
  apply(grads: Map<string, tf.Tensor>, baseLr: number, maxGradNorm: number): void {
    this.steps++;
    const { kind, weightDecay, beta1, beta2, epsilon, momentum } = this.config;
    const active = this.params.filter((p) => grads.has(p.name));
    tf.tidy(() => {
      // The clip factor stays a scalar tensor folded into the per-parameter scalars below, so clipping
      // costs one pass (the squared norms, reused for Adam's second moment) instead of two.
      const needSquares = maxGradNorm > 0 || kind !== 'sgd';
      const squares = new Map(needSquares ? active.map((p) => [p.name, tf.square(grads.get(p.name)!)]) : []);
      const scale = maxGradNorm > 0 ? clipScale([...squares.values()], maxGradNorm) : tf.scalar(1);
      for (const { name, variable, decay, lrScale } of active) {
        const t = (this.paramSteps.get(name) ?? 0) + 1;
        this.paramSteps.set(name, t);
        const biasCorrection1 = 1 - beta1 ** t;
        const sqrtBiasCorrection2 = Math.sqrt(1 - beta2 ** t);
        const lr = baseLr * (lrScale ?? 1);
        const wd = decay ? weightDecay : 0;
        let g = grads.get(name)!;
        let gScale: tf.Scalar = scale;
        let square = squares.get(name);
        if (kind !== 'adamw' && wd > 0) {
          // Adam / SGD: L2 weight decay joins the (clipped) gradient, as in PyTorch.
          g = tf.add(tf.mul(g, scale), tf.mul(variable, wd));
          gScale = tf.scalar(1);
          square = kind === 'sgd' ? undefined : tf.square(g);
        }
        if (kind === 'sgd') {
          let update = tf.mul(g, gScale);
          if (momentum > 0) {
            const buf = this.slots.get(`${name}/momentum`)!;
            update = tf.add(tf.mul(buf, momentum), update);
            buf.assign(update);
          }
          variable.assign(tf.sub(variable, tf.mul(update, lr)));
          continue;
        }
        const m = this.slots.get(`${name}/m`)!;
        const v = this.slots.get(`${name}/v`)!;
        const mNext = tf.add(tf.mul(m, beta1), tf.mul(g, tf.mul(gScale, 1 - beta1)));
        const vNext = tf.add(tf.mul(v, beta2), tf.mul(square!, tf.mul(tf.square(gScale), 1 - beta2)));
        m.assign(mNext);
        v.assign(vNext);
        // PyTorch: p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps); multiplied through by sqrt(bc2).
        const denominator = tf.add(tf.sqrt(vNext), epsilon * sqrtBiasCorrection2);
        const step = tf.mul(tf.div(mNext, denominator), (lr * sqrtBiasCorrection2) / biasCorrection1);
        const decayed = kind === 'adamw' && wd > 0 ? tf.mul(variable, 1 - lr * wd) : variable;
        variable.assign(tf.sub(decayed, step));
      }
    });
  }

  async exportState(): Promise<OptimizerState> {
    const slots = [];
    for (const [name, variable] of this.slots) {
      slots.push({ name, shape: variable.shape.slice(), data: (await variable.data()) as Float32Array });
    }
    // Every parameter behind the global count, those never updated yet (layers waiting for
    // --unfreeze-at-epoch) included: without them a resumed run would start their bias correction late.
    const paramSteps = Object.fromEntries(
      this.params.map(({ name }): [string, number] => [name, this.paramSteps.get(name) ?? 0]).filter(([, steps]) => steps !== this.steps),
    );
    return { kind: this.config.kind, step: this.steps, ...(Object.keys(paramSteps).length > 0 ? { paramSteps } : {}), slots };
  }

  /** Restores a state exported from an optimizer of the same kind over the same variables. */
  importState(state: OptimizerState): void {
    if (state.kind !== this.config.kind) throw new Error(`optimizer state is for '${state.kind}', not '${this.config.kind}'`);
    const byName = new Map(state.slots.map((s) => [s.name, s]));
    for (const [name, variable] of this.slots) {
      const slot = byName.get(name);
      if (!slot) throw new Error(`optimizer state has no slot '${name}'`);
      if (slot.data.length !== variable.size) throw new Error(`optimizer slot '${name}' has ${slot.data.length} values, expected ${variable.size}`);
      tf.tidy(() => variable.assign(tf.tensor(slot.data, variable.shape)));
    }
    this.steps = state.step;
    this.paramSteps.clear();
    for (const { name } of this.params) this.paramSteps.set(name, state.paramSteps?.[name] ?? state.step);
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }

  private slotNames(): string[] {
    if (this.config.kind === 'sgd') return this.config.momentum > 0 ? ['momentum'] : [];
    return ['m', 'v'];
  }
}

/** min(1, maxNorm / (‖g‖ + 1e-6)) over all gradients together, from their element-wise squares. */
function clipScale(squares: tf.Tensor[], maxNorm: number): tf.Scalar {
  const norm = tf.sqrt(tf.addN(squares.map((s) => tf.sum(s))));
  return tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6))) as tf.Scalar;
}
