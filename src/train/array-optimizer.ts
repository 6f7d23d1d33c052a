import { OptimizerCore, slotNames, type OptimizerConfig } from './optimizer-core.ts';
import { paddedLength, SimdArena } from './simd/simd-arena.ts';

/** A trainable weight held as a Float32Array (the ONNX Runtime engine feeds it to its session each step). */
export interface ArrayParam {
  name: string;
  /** Its starting values (copied: the optimizer holds the weight from here on; weight(name) reads it). */
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
 *
 * The weights, slots and a copy of the gradients live in a SimdArena, where Adam's update and the
 * clipping norm are one SIMD pass each (float32 lanes; the JS loops below compute in float64, which
 * rounds to the same float32 but for an ulp here and there). SGD, and models whose optimizer state
 * passes wasm32's 4 GiB, take the JS loops over plain arrays.
 */
export class ArrayOptimizer extends OptimizerCore<Float32Array> {
  private readonly shapes = new Map<Float32Array, number[]>();
  private readonly weights = new Map<string, Float32Array>();
  /** Where the SIMD path copies each parameter's gradient (null: the JS path). */
  private readonly gradCopies: Map<string, Float32Array> | null;
  private readonly arena: SimdArena | null;

  constructor(
    config: OptimizerConfig,
    private readonly params: ArrayParam[],
    /** false: the JS loops even where the SIMD path could run (the reference the SIMD path is tested against). */
    { simd = true }: { simd?: boolean } = {},
  ) {
    super(config, params.map((p) => p.name));
    const slots = slotNames(config);
    simd &&= config.kind !== 'sgd';
    // Per parameter: the weight, its slots and, for the SIMD path, its gradient's copy.
    const floats = params.reduce((n, p) => n + paddedLength(p.data.length) * (1 + slots.length + 1), 0);
    this.arena = simd ? SimdArena.create(floats) : null;
    const take = (length: number) => this.arena?.take(length) ?? new Float32Array(length);
    this.gradCopies = this.arena ? new Map() : null;
    for (const { name, data, shape } of params) {
      const weight = take(data.length);
      weight.set(data);
      this.weights.set(name, weight);
      this.gradCopies?.set(name, take(data.length));
      for (const slot of slots) {
        const values = take(data.length);
        this.slots.set(`${name}/${slot}`, values);
        this.shapes.set(values, shape);
      }
    }
  }

  /** The live values of a weight (updated in place by apply(); session inputs made from it stay valid). */
  weight(name: string): Float32Array {
    const w = this.weights.get(name);
    if (!w) throw new Error(`optimizer has no parameter '${name}'`);
    return w;
  }

  /**
   * Where apply() reads `name`'s gradient on the SIMD path (null on the JS path): a caller that writes the
   * gradient here (ONNX Runtime's preallocated outputs) and passes this array to apply() saves a copy.
   */
  gradientBuffer(name: string): Float32Array | null {
    return this.gradCopies?.get(name) ?? null;
  }

  /** One update; only parameters with a gradient in `grads` take part (and are clipped together). */
  apply(grads: Map<string, Float32Array>, baseLr: number, maxGradNorm: number): void {
    this.countStep();
    const active = this.params.filter((p) => grads.has(p.name));
    for (const { name } of active) {
      const grad = grads.get(name)!;
      const length = this.weights.get(name)!.length;
      if (grad.length !== length) throw new Error(`gradient of '${name}' has ${grad.length} values, the weight ${length}`);
      const copy = this.gradCopies?.get(name);
      if (copy && copy !== grad) copy.set(grad);
    }
    const gradients = this.gradCopies ?? grads;
    const squares = () => active.reduce((sum, { name }) => sum + (this.arena ? this.arena.sumSquares(gradients.get(name)!) : sumSquares(gradients.get(name)!)), 0);
    const scale = maxGradNorm > 0 ? clipFactorOf(squares(), maxGradNorm) : 1;
    for (const { name, decay, lrScale } of active) {
      const { lr, wd, biasCorrection1, sqrtBiasCorrection2 } = this.stepScalars(name, baseLr, lrScale, decay);
      this.update(name, gradients.get(name)!, scale, lr, wd, biasCorrection1, sqrtBiasCorrection2);
    }
  }

  private update(name: string, grad: Float32Array, scale: number, lr: number, wd: number, biasCorrection1: number, sqrtBiasCorrection2: number): void {
    const { kind, beta1, beta2, epsilon, momentum } = this.config;
    const p = this.weights.get(name)!;
    // Adam / SGD: L2 weight decay joins the (clipped) gradient, as in PyTorch; AdamW decays the weight.
    const l2 = kind !== 'adamw' ? wd : 0;
    if (kind === 'sgd') {
      const buf = momentum > 0 ? this.slots.get(`${name}/momentum`)! : null;
      for (let i = 0; i < p.length; i++) {
        let update = grad[i]! * scale + p[i]! * l2;
        if (buf) update = buf[i] = buf[i]! * momentum + update;
        p[i] = p[i]! - update * lr;
      }
      return;
    }
    const m = this.slots.get(`${name}/m`)!;
    const v = this.slots.get(`${name}/v`)!;
    const stepSize = (lr * sqrtBiasCorrection2) / biasCorrection1;
    const epsilonHat = epsilon * sqrtBiasCorrection2;
    const keep = kind === 'adamw' ? 1 - lr * wd : 1;
    if (this.arena) return this.arena.adam(p, grad, m, v, { scale, beta1, beta2, keep, epsilonHat, stepSize, l2 });
    for (let i = 0; i < p.length; i++) {
      const g = grad[i]! * scale + p[i]! * l2;
      const mNext = (m[i] = m[i]! * beta1 + g * (1 - beta1));
      const vNext = (v[i] = v[i]! * beta2 + g * g * (1 - beta2));
      // PyTorch: p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps); multiplied through by sqrt(bc2).
      p[i] = p[i]! * keep - (mNext / (Math.sqrt(vNext) + epsilonHat)) * stepSize;
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
  return clipFactorOf(grads.reduce((sum, g) => sum + sumSquares(g), 0), maxNorm);
}

function clipFactorOf(sumOfSquares: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (Math.sqrt(sumOfSquares) + 1e-6));
}

function sumSquares(g: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  return sum;
}
