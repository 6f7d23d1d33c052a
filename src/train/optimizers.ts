import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../heads/head.ts';
import { OptimizerCore, slotNames, type OptimizerConfig } from './optimizer-core.ts';

export type { OptimizerConfig, OptimizerKind, OptimizerState } from './optimizer-core.ts';

/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter; PyTorch's torch.optim.AdamW), Adam and SGD with
 * momentum (weight decay as L2 added to the gradient, as in PyTorch). Written here rather than using
 * tf.train so that every slot is a named variable we can checkpoint and restore bit for bit. The
 * step counting, per-step scalars and the saved state are OptimizerCore's, shared with the
 * Float32Array optimizer of the ONNX Runtime engine (array-optimizer.ts).
 */
export class Optimizer extends OptimizerCore<tf.Variable> {
  private readonly params: NamedVariable[];

  constructor(config: OptimizerConfig, params: NamedVariable[]) {
    super(config, params.map((p) => p.name));
    this.params = params;
    for (const { name, variable } of params) {
      for (const slot of slotNames(config)) {
        const zeros = tf.zerosLike(variable);
        this.slots.set(`${name}/${slot}`, tf.variable(zeros, false));
        zeros.dispose();
      }
    }
  }

  /**
   * One update with learning rate `lr` (times each parameter's lrScale). Only parameters with a gradient
   * in `grads` take part (frozen backbone layers have none): they alone are clipped to a global L2 norm
   * of `maxGradNorm` (0 = no clipping), as torch.nn.utils.clip_grad_norm_, and updated. Disposes
   * nothing it did not create.
   */
  apply(grads: Map<string, tf.Tensor>, baseLr: number, maxGradNorm: number): void {
    this.countStep();
    const { kind, beta1, beta2, epsilon, momentum } = this.config;
    const active = this.params.filter((p) => grads.has(p.name));
    tf.tidy(() => {
      // The clip factor stays a scalar tensor folded into the per-parameter scalars below, so clipping
      // costs one pass (the squared norms, reused for Adam's second moment) instead of two.
      const needSquares = maxGradNorm > 0 || kind !== 'sgd';
      const squares = new Map(needSquares ? active.map((p) => [p.name, tf.square(grads.get(p.name)!)]) : []);
      const scale = maxGradNorm > 0 ? clipScale([...squares.values()], maxGradNorm) : tf.scalar(1);
      for (const { name, variable, decay, lrScale } of active) {
        const { lr, wd, biasCorrection1, sqrtBiasCorrection2 } = this.stepScalars(name, baseLr, lrScale, decay);
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

  protected async readSlot(slot: tf.Variable): Promise<Float32Array> {
    return (await slot.data()) as Float32Array;
  }

  protected writeSlot(slot: tf.Variable, data: Float32Array): void {
    tf.tidy(() => slot.assign(tf.tensor(data, slot.shape)));
  }

  protected slotSize(slot: tf.Variable): number {
    return slot.size;
  }

  protected slotShape(slot: tf.Variable): number[] {
    return slot.shape.slice();
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}

/** min(1, maxNorm / (‖g‖ + 1e-6)) over all gradients together, from their element-wise squares. */
function clipScale(squares: tf.Tensor[], maxNorm: number): tf.Scalar {
  const norm = tf.sqrt(tf.addN(squares.map((s) => tf.sum(s))));
  return tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6))) as tf.Scalar;
}
