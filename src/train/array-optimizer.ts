import { OptimizerCore, slotNames, type OptimizerConfig } from './optimizer-core.ts';

/** A trainable weight held as a Float32Array (the ONNX Runtime engine feeds it to its session each step). */
export interface ArrayParam {
  name: string;
  data: Float32Array;
  shape: number[];
  decay: boolean;
  lrScale?: number;
}

/**
 * The TF.js Optimizer's maths (optimizers.ts: AdamW / Adam / SGD with momentum, global-norm clipping as
 * torch.nn.utils.clip_grad_norm_) on Float32Arrays, in place, element by element: for the ONNX Runtime
 * engine, whose gradients come back as Float32Arrays, an update costs one pass over each weight instead
 * of uploads to TF.js. Same scalars, same state layout (OptimizerCore), so checkpoints move between engines.
 */
export class ArrayOptimizer extends OptimizerCore<Float32Array> {
  private readonly shapes = new Map<Float32Array, number[]>();

  constructor(
    config: OptimizerConfig,
    private readonly params: ArrayParam[],
  ) {
    super(config, params.map((p) => p.name));
    for (const { name, data, shape } of params) {
      for (const slot of slotNames(config)) {
        const values = new Float32Array(data.length);
        this.slots.set(`${name}/${slot}`, values);
        this.shapes.set(values, shape);
      }
    }
  }

  /** One update; only parameters with a gradient in `grads` take part (and are clipped together). */
  apply(grads: Map<string, Float32Array>, baseLr: number, maxGradNorm: number): void {
    this.countStep();
    const { kind, beta1, beta2, epsilon, momentum } = this.config;
    const active = this.params.filter((p) => grads.has(p.name));
    const scale = maxGradNorm > 0 ? clipFactor(active.map((p) => grads.get(p.name)!), maxGradNorm) : 1;
    for (const { name, data: p, decay, lrScale } of active) {
      const { lr, wd, biasCorrection1, sqrtBiasCorrection2 } = this.stepScalars(name, baseLr, lrScale, decay);
      const grad = grads.get(name)!;
      if (grad.length !== p.length) throw new Error(`gradient of '${name}' has ${grad.length} values, the weight ${p.length}`);
      // Adam / SGD: L2 weight decay joins the (clipped) gradient, as in PyTorch; AdamW decays the weight.
      const l2 = kind !== 'adamw' ? wd : 0;
      if (kind === 'sgd') {
        const buf = momentum > 0 ? this.slots.get(`${name}/momentum`)! : null;
        for (let i = 0; i < p.length; i++) {
          let update = grad[i]! * scale + p[i]! * l2;
          if (buf) update = buf[i] = buf[i]! * momentum + update;
          p[i] = p[i]! - update * lr;
        }
        continue;
      }
      const m = this.slots.get(`${name}/m`)!;
      const v = this.slots.get(`${name}/v`)!;
      const stepSize = (lr * sqrtBiasCorrection2) / biasCorrection1;
      const epsilonHat = epsilon * sqrtBiasCorrection2;
      const keep = kind === 'adamw' ? 1 - lr * wd : 1;
      for (let i = 0; i < p.length; i++) {
        const g = grad[i]! * scale + p[i]! * l2;
        const mNext = (m[i] = m[i]! * beta1 + g * (1 - beta1));
        const vNext = (v[i] = v[i]! * beta2 + g * g * (1 - beta2));
        // PyTorch: p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps); multiplied through by sqrt(bc2).
        p[i] = p[i]! * keep - (mNext / (Math.sqrt(vNext) + epsilonHat)) * stepSize;
      }
    }
  }

  protected readSlot(slot: Float32Array): Float32Array {
    return slot.slice();
  }

  protected writeSlot(slot: Float32Array, data: Float32Array): void {
    slot.set(data);
  }

  protected slotSize(slot: Float32Array): number {
    return slot.length;
  }

  protected slotShape(slot: Float32Array): number[] {
    return this.shapes.get(slot)!.slice();
  }
}

/** min(1, maxNorm / (‖g‖ + 1e-6)) over all gradients together, as optimizers.ts clipScale. */
export function clipFactor(grads: Float32Array[], maxNorm: number): number {
  let sum = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  return Math.min(1, maxNorm / (Math.sqrt(sum) + 1e-6));
}
