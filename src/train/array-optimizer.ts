import { OptimizerCore, slotNames, type OptimizerConfig } from './optimizer-core.ts';
import { denseGradient, factoredShape, factoredSumSquares, type Gradient } from './factored-gradient.ts';
import { paddedLength, SimdArena, type AdamScalars, type ArenaJob } from './simd/simd-arena.ts';
import { ArenaWorker } from './simd/arena-worker.ts';
import { splitForWorker, workerThreadsPay, type OptimizerThreads } from './simd/thread-split.ts';

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
 * passes wasm32's 4 GiB, take the JS loops over plain arrays. With a second thread (thread-split.ts), a
 * worker updates about half of the parameters, whose arrays live in a second, shared arena, with the same
 * kernels: the results are the same bits as on one thread.
 */
export class ArrayOptimizer extends OptimizerCore<Float32Array> {
  private readonly shapes = new Map<Float32Array, number[]>();
  /** What weight(name) returns: the arena's array, or for a worker's parameter its copy outside the shared memory. */
  private readonly weights = new Map<string, Float32Array>();
  /** Where the SIMD path copies each parameter's gradient (null: the JS path). */
  private readonly gradCopies: Map<string, Float32Array> | null;
  private readonly arena: SimdArena | null;
  /** The second thread (threads: 2): its parameters live in a shared arena, their weights copied out after each update. */
  private readonly second: { worker: ArenaWorker; arena: SimdArena; weights: Map<string, Float32Array>; plainGradients: Map<string, Float32Array> } | null = null;

  constructor(
    config: OptimizerConfig,
    private readonly params: ArrayParam[],
    {
      simd = true,
      threads = 'auto',
    }: {
      /** false: the JS loops even where the SIMD path could run (the reference the SIMD path is tested against). */
      simd?: boolean;
      /** The SIMD path's threads (thread-split.ts): 2 runs part of the parameters' kernels in a worker; 'auto' where that pays. */
      threads?: OptimizerThreads;
    } = {},
  ) {
    super(config, params.map((p) => p.name));
    const slots = slotNames(config);
    simd &&= config.kind !== 'sgd';
    // Per parameter: the weight, its slots and, for the SIMD path, its gradient's copy.
    const floatsOf = (list: ArrayParam[]) => list.reduce((n, p) => n + paddedLength(p.data.length) * (1 + slots.length + 1), 0);
    const count = params.reduce((n, p) => n + p.data.length, 0);
    const split = simd && (threads === 2 || (threads === 'auto' && workerThreadsPay(count))) ? splitForWorker(params.map((p) => p.data.length)) : new Set<number>();
    const theirs = params.filter((_, i) => split.has(i));
    const shared = theirs.length > 0 ? sharedArena(floatsOf(theirs), threads === 2) : null;
    this.arena = simd ? SimdArena.create(floatsOf(shared ? params.filter((_, i) => !split.has(i)) : params)) : null;
    if (shared && this.arena) this.second = { worker: ArenaWorker.start(shared, theirs.reduce((n, p) => n + maxJobsOf(p.data.length), 0)), arena: shared, weights: new Map(), plainGradients: new Map() };
    this.gradCopies = this.arena ? new Map() : null;
    for (const [i, { name, data, shape }] of params.entries()) {
      const home = this.second && split.has(i) ? this.second.arena : this.arena;
      const take = (length: number) => home?.take(length) ?? new Float32Array(length);
      const weight = take(data.length);
      weight.set(data);
      if (home?.shared) this.second!.weights.set(name, weight);
      // onnxruntime-node refuses arrays on a SharedArrayBuffer: the worker's weights are read from a copy.
      this.weights.set(name, home?.shared ? data.slice() : weight);
      this.gradCopies?.set(name, take(data.length));
      for (const slot of slots) {
        const values = take(data.length);
        this.slots.set(`${name}/${slot}`, values);
        this.shapes.set(values, shape);
      }
    }
  }

  /** 2 where a worker thread updates part of the parameters, else 1. */
  get threads(): 1 | 2 {
    return this.second ? 2 : 1;
  }

  /** The parameters the worker thread updates (none on one thread). */
  get workerParameters(): string[] {
    return [...(this.second?.weights.keys() ?? [])];
  }

  /** Ends the worker thread, if any (it is unref'd, so a process that forgets this still exits). */
  async dispose(): Promise<void> {
    await this.second?.worker.close();
  }

  /** The live values of a weight (updated in place by apply(); session inputs made from it stay valid). */
  weight(name: string): Float32Array {
    const w = this.weights.get(name);
    if (!w) throw new Error(`optimizer has no parameter '${name}'`);
    return w;
  }

  /**
   * Where a caller writes `name`'s gradient (ONNX Runtime's preallocated outputs) to pass it to apply():
   * on the SIMD path the arena's buffer, where apply() reads it without a copy (for the worker's
   * parameters, whose arena is a SharedArrayBuffer, which onnxruntime-node refuses, a plain array made on
   * first use); null on the JS path.
   */
  gradientBuffer(name: string): Float32Array | null {
    if (!this.second?.weights.has(name)) return this.gradCopies?.get(name) ?? null;
    // A worker's parameter: a plain array, copied into the shared arena by apply() (a fresh output each step would cost garbage collections).
    let buffer = this.second.plainGradients.get(name);
    if (!buffer) this.second.plainGradients.set(name, (buffer = new Float32Array(this.weights.get(name)!.length)));
    return buffer;
  }

  /** One update; only parameters with a gradient in `grads` take part (and are clipped together). */
  apply(grads: Map<string, Gradient>, baseLr: number, maxGradNorm: number): void {
    this.countStep();
    const active = this.params.filter((p) => grads.has(p.name));
    const staged = new Map(active.map(({ name }) => [name, this.stage(name, grads.get(name)!)] as const));
    const scale = maxGradNorm > 0 ? clipFactorOf(this.sumOfSquares(staged), maxGradNorm) : 1;
    const updates = active.map(({ name, decay, lrScale }) => {
      const { lr, wd, biasCorrection1, sqrtBiasCorrection2 } = this.stepScalars(name, baseLr, lrScale, decay);
      return { name, lr, wd, s: this.adamScalars(scale, lr, wd, biasCorrection1, sqrtBiasCorrection2) };
    });
    const second = this.second;
    const theirs = updates.filter(({ name }) => second?.weights.has(name));
    if (!second || theirs.length === 0) {
      for (const { name, lr, wd, s } of updates) this.update(name, staged.get(name)!, scale, lr, wd, s);
      return;
    }
    const jobs = theirs.flatMap(({ name, s }) => this.adamJobs(second.arena, name, staged.get(name)!, s));
    second.worker.run(jobs.map(({ job }) => job));
    // The worker's weights are copied out (onnxruntime-node reads them from plain arrays) as their jobs finish,
    // between this thread's own updates; then this thread takes the worker's jobs it has not started.
    const copied = new Set<number>();
    const copyOut = () =>
      jobs.forEach(({ name, from, to }, j) => {
        if (copied.has(j) || !second.worker.finished(j)) return;
        this.weights.get(name)!.subarray(from, to).set(second.weights.get(name)!.subarray(from, to));
        copied.add(j);
      });
    for (const { name, lr, wd, s } of updates) {
      if (second.weights.has(name)) continue;
      this.update(name, staged.get(name)!, scale, lr, wd, s);
      copyOut();
    }
    while (second.worker.help()) copyOut();
    second.worker.waitAll();
    copyOut();
  }

  /**
   * Σ g² over the staged gradients, each parameter's sum added in parameter order (the worker computes
   * its dense ones meanwhile): the same sums in the same order as on one thread, so the same clip factor.
   */
  private sumOfSquares(staged: Map<string, Gradient>): number {
    const second = this.second;
    const theirs = [...staged].filter((entry): entry is [string, Float32Array] => entry[1] instanceof Float32Array && !!second?.weights.has(entry[0]));
    if (second && theirs.length > 0) second.worker.run(theirs.map(([, g]) => ({ kernel: 'sumSquares', args: second.arena.sumSquaresArgs(g) })));
    const squares = new Map<string, number>();
    for (const [name, g] of staged) {
      if (!(g instanceof Float32Array)) squares.set(name, factoredSumSquares(g));
      else if (!theirs.some(([n]) => n === name)) squares.set(name, this.arena ? this.arena.sumSquares(g) : sumSquares(g));
    }
    if (second && theirs.length > 0) {
      while (second.worker.help());
      second.worker.waitAll();
      theirs.forEach(([name], j) => squares.set(name, second.worker.result(j)));
    }
    return [...staged.keys()].reduce((sum, name) => sum + squares.get(name)!, 0);
  }

  /** The worker's jobs for one parameter's update (its arrays in the shared arena): parts of JOB_FLOATS, each with the weight's elements it updates. */
  private adamJobs(arena: SimdArena, name: string, staged: Gradient, s: AdamScalars): { job: ArenaJob; name: string; from: number; to: number }[] {
    const [p, m, v] = [this.second!.weights.get(name)!, this.slots.get(`${name}/m`)!, this.slots.get(`${name}/v`)!];
    if (staged instanceof Float32Array) {
      return partsOf(p.length, 4).map(([from, to]) => ({ job: { kernel: 'adam', args: arena.adamArgs(p, staged, m, v, s, [from, to]) }, name, from, to }));
    }
    const columns = staged.b.length / staged.rank;
    return partsOf(p.length / columns, 1, columns).map(([first, end]) => ({
      job: { kernel: 'adamOuter', rank: staged.rank, args: arena.adamOuterArgs(p, staged.a, staged.b, staged.rank, m, v, s, [first, end]) },
      name,
      from: first * columns,
      to: end * columns,
    }));
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

  private update(name: string, staged: Gradient, scale: number, lr: number, wd: number, s: AdamScalars): void {
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

/**
 * Floats a worker job updates at most: a large weight is several jobs, so that either thread can take its
 * parts (the caller's thread, once done with its own parameters, takes what the worker has not started)
 * and its copy-out starts sooner. 2¹⁸ floats (1 MiB of weights, ~0.4 ms of kernel): bert-base's FFN
 * kernels are 9 jobs each, a job a few hundred times one round trip to the worker.
 */
const JOB_FLOATS = 1 << 18;

/**
 * [first, end) ranges of `count` units (elements, or rows of `unitFloats` elements) of at most JOB_FLOATS
 * floats each (at least one unit), starts multiples of `align` units.
 */
function partsOf(count: number, align: number, unitFloats = 1): [number, number][] {
  const per = Math.max(align, Math.floor(JOB_FLOATS / unitFloats / align) * align);
  const parts: [number, number][] = [];
  for (let first = 0; first < count; first += per) parts.push([first, Math.min(count, first + per)]);
  return parts.length > 0 ? parts : [[0, 0]];
}

/** The most jobs one parameter of `length` floats can take (dense parts, or rows of any width: at most twice as many). */
const maxJobsOf = (length: number) => 2 * Math.ceil(length / JOB_FLOATS) + 1;

/** A shared arena, or null where this runtime cannot make one ('auto' then keeps to one thread; threads: 2 says why). */
function sharedArena(floats: number, required: boolean): SimdArena | null {
  try {
    return SimdArena.create(floats, { shared: true });
  } catch (error) {
    if (required) throw error;
    return null;
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
