import { OptimizerCore, slotNames, type OptimizerConfig } from './optimizer-core.ts';
import { denseGradient, factoredShape, factoredSumSquares, type Gradient } from './factored-gradient.ts';
import { paddedLength, SimdArena, type AdamScalars } from './simd/simd-arena.ts';

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
  apply(grads: Map<string, Gradient>, baseLr: number, maxGradNorm: number): void {
    this.countStep();
    const active = this.params.filter((p) => grads.has(p.name));
    const staged = new Map(active.map(({ name }) => [name, this.stage(name, grads.get(name)!)] as const));
    const squares = (g: Gradient) => (!(g instanceof Float32Array) ? factoredSumSquares(g) : this.arena ? this.arena.sumSquares(g) : sumSquares(g));
    const scale = maxGradNorm > 0 ? clipFactorOf([...staged.values()].reduce((sum, g) => sum + squares(g), 0), maxGradNorm) : 1;
    for (const { name, decay, lrScale } of active) {
      const { lr, wd, biasCorrection1, sqrtBiasCorrection2 } = this.stepScalars(name, baseLr, lrScale, decay);
      this.update(name, staged.get(name)!, scale, lr, wd, biasCorrection1, sqrtBiasCorrection2);
    }
  }

  /**
   * Where the update reads `name`'s gradient: on the SIMD path in the arena (copied into the parameter's
   * gradient buffer unless written there already; factors there too, far smaller than the dense gradient),
   * on the JS path a dense array.
   */
  private stage(name: string, grad: Gradient): Gradient {
    const weight = this.weights.get(name)!;
    const buffer = this.gradCopies?.get(name);
    if (!(grad instanceof Float32Array)) {
      const [rows, columns] = factoredShape(grad);
      if (rows * columns !== weight.length) throw new Error(`gradient of '${name}' has factors of [${rows}, ${columns}], the weight ${weight.length} values`);
      const aLength = paddedLength(grad.a.length);
      if (buffer && columns % 4 === 0 && aLength + grad.b.length <= buffer.length) {
        const [a, b] = [buffer.subarray(0, grad.a.length), buffer.subarray(aLength, aLength + grad.b.length)];
        a.set(grad.a);
        b.set(grad.b);
        return { a, b, rank: grad.rank };
      }
      grad = denseGradient(grad);
    }
    if (grad.length !== weight.length) throw new Error(`gradient of '${name}' has ${grad.length} values, the weight ${weight.length}`);
    if (buffer && buffer !== grad) buffer.set(grad);
    return buffer ?? grad;
  }

  private update(name: string, staged: Gradient, scale: number, lr: number, wd: number, biasCorrection1: number, sqrtBiasCorrection2: number): void {
    const { kind, momentum } = this.config;
    const p = this.weights.get(name)!;
    if (kind === 'sgd') {
      const grad = denseGradient(staged);
      // L2 weight decay joins the (clipped) gradient, as in PyTorch.
      const buf = momentum > 0 ? this.slots.get(`${name}/momentum`)! : null;
      for (let i = 0; i < p.length; i++) {
        let update = grad[i]! * scale + p[i]! * wd;
        if (buf) update = buf[i] = buf[i]! * momentum + update;
        p[i] = p[i]! - update * lr;
      }
      return;
    }
    const m = this.slots.get(`${name}/m`)!;
    const v = this.slots.get(`${name}/v`)!;
    const s = this.adamScalars(scale, lr, wd, biasCorrection1, sqrtBiasCorrection2);
    if (this.arena) {
      if (staged instanceof Float32Array) this.arena.adam(p, staged, m, v, s);
      else this.arena.adamOuter(p, staged.a, staged.b, staged.rank, m, v, s);
      return;
    }
    const grad = denseGradient(staged);
    for (let i = 0; i < p.length; i++) {
      const g = grad[i]! * s.scale + p[i]! * s.l2;
      const mNext = (m[i] = m[i]! * s.beta1 + g * (1 - s.beta1));
      const vNext = (v[i] = v[i]! * s.beta2 + g * g * (1 - s.beta2));
      p[i] = p[i]! * s.keep - (mNext / (Math.sqrt(vNext) + s.epsilonHat)) * s.stepSize;
    }
  }

  private adamScalars(scale: number, lr: number, wd: number, biasCorrection1: number, sqrtBiasCorrection2: number): AdamScalars {
    const { kind, beta1, beta2, epsilon } = this.config;
    return {
      scale,
      beta1,
      beta2,
      // PyTorch: p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps); multiplied through by sqrt(bc2).
      stepSize: (lr * sqrtBiasCorrection2) / biasCorrection1,
      epsilonHat: epsilon * sqrtBiasCorrection2,
      // Adam: L2 weight decay joins the (clipped) gradient, as in PyTorch; AdamW decays the weight.
      keep: kind === 'adamw' ? 1 - lr * wd : 1,
      l2: kind !== 'adamw' ? wd : 0,
    };
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
