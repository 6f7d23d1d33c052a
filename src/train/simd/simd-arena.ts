/**
 * Float32Arrays that live in one WebAssembly memory, so the optimizer's SIMD kernels (wasm-module.ts)
 * can update them in place: the weights (which ONNX Runtime reads straight from here as session
 * inputs), Adam's moments and a copy of each step's gradients. The memory is sized once for everything
 * the optimizer holds and never grows, because growing a memory detaches every view on it.
 *
 * Why not the JS loop or an ONNX Runtime graph (bench/optimizer-step.ts, 2 cores under load ~6,
 * clipping + AdamW over bert-base's top layer, 7.1 M parameters, best of 10): JS loops 79.6 ms wall /
 * 39.7 ms CPU (scalar float64 code, ~5 ns a parameter), an optimizer graph in ONNX Runtime 85.0 / 42.8
 * (a dozen elementwise passes, and onnxruntime-node copies every output, preallocated or not, into a
 * fresh ArrayBuffer), this SIMD pass 12.5 / 8.9 (each array read and written once).
 *
 * A shared arena (create(…, { shared: true })) lets an ArenaWorker run the same kernels on another thread
 * (thread-split.ts says when that pays).
 */
import { optimizerModuleBytes, outerAdamModuleBytes } from './wasm-module.ts';

const PAGE = 65536;
/** wasm32's ceiling (4 GiB), less a page so that no array can end at 2³² (the kernels' end pointer would wrap). */
const MAX_BYTES = 2 ** 32 - PAGE;

interface Kernels {
  sumSquares(x: number, bytes: number): number;
  /** (p, g, m, v, bytes, then the scalars: adamArgs) */
  adam(...args: number[]): void;
}

/** The WebAssembly API this file uses (the project's TypeScript libs, without DOM, do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The compiled modules, by sharedness of the memory they import (and, for adamOuter, rank: each is unrolled for its rank). */
const compiled = new Map<string, object>();
const cachedModule = (key: string, bytes: () => Uint8Array) => compiled.get(key) ?? compiled.set(key, new wasm.Module(bytes())).get(key)!;
/** The module of sumSquares and adam, for a shared memory or not. */
export const kernelModule = (shared: boolean) => cachedModule(`kernels/${shared}`, () => optimizerModuleBytes(shared));
/** The module of adamOuter for one rank, for a shared memory or not. */
export const outerModule = (rank: number, shared: boolean) => cachedModule(`outer/${rank}/${shared}`, () => outerAdamModuleBytes(rank, shared));

/** (p, a, b, m, v, inCount, aStride, outBytes, then the scalars: adamOuterArgs) */
type AdamOuter = (...args: number[]) => void;

/** Floats an array of `length` takes in the arena: padded to 4 (16 bytes, one SIMD lane group). */
export const paddedLength = (length: number) => Math.ceil(length / 4) * 4;

/** The per-step scalars of one parameter's Adam update (ArrayOptimizer computes them). */
export interface AdamScalars {
  scale: number;
  beta1: number;
  beta2: number;
  keep: number;
  epsilonHat: number;
  stepSize: number;
  l2: number;
}

/** A kernel call as data (from the *Args methods): run by call() here, or by an ArenaWorker on another thread. */
export type ArenaJob = { kernel: 'sumSquares'; args: number[] } | { kernel: 'adam'; args: number[] } | { kernel: 'adamOuter'; rank: number; args: number[] };

/** The nine f32 scalars the adam kernels take after their pointers. */
const scalarArgs = (s: AdamScalars) => [s.scale, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.keep, s.epsilonHat, s.stepSize, s.l2];

export class SimdArena {
  private used = 0;
  private readonly outer = new Map<number, AdamOuter>();

  private constructor(
    private readonly memory: WasmMemory,
    private readonly kernels: Kernels,
    private readonly capacity: number,
    readonly shared: boolean,
  ) {}

  /**
   * An arena for `floats` float32s (each array's padded length summed), or null where wasm32 cannot hold
   * them. `shared`: its memory is a SharedArrayBuffer, for an ArenaWorker to run kernels on it too (but
   * onnxruntime-node refuses typed arrays on a SharedArrayBuffer, as inputs and as outputs).
   */
  static create(floats: number, { shared = false }: { shared?: boolean } = {}): SimdArena | null {
    const bytes = floats * 4;
    if (bytes > MAX_BYTES) return null;
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    const memory = new wasm.Memory(shared ? { initial: pages, maximum: pages, shared } : { initial: pages });
    const instance = new wasm.Instance(kernelModule(shared), { env: { memory } });
    return new SimdArena(memory, instance.exports as unknown as Kernels, bytes, shared);
  }

  /** The WebAssembly.Memory the arrays live in (an ArenaWorker instantiates the kernels on it). */
  get wasmMemory(): WasmMemory {
    return this.memory;
  }

  /** A zeroed array of `length` floats (16-byte aligned, zero padding after it). */
  take(length: number): Float32Array {
    const bytes = paddedLength(length) * 4;
    if (this.used + bytes > this.capacity) throw new Error(`simd arena: ${length} floats do not fit (${this.used} of ${this.capacity} bytes used)`);
    const view = new Float32Array(this.memory.buffer, this.used, length);
    this.used += bytes;
    return view;
  }

  /** Σ x² in float64 over an array of this arena. */
  sumSquares(x: Float32Array): number {
    return this.kernels.sumSquares(...this.sumSquaresArgs(x));
  }

  /** The sumSquares kernel's arguments for x (here, or in an ArenaWorker). */
  sumSquaresArgs(x: Float32Array): [pointer: number, bytes: number] {
    return [this.pointer(x), paddedLength(x.length) * 4];
  }

  /** One Adam/AdamW update of p, m and v (arrays of this arena, same length) from the gradient g. */
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamScalars): void {
    this.kernels.adam(...this.adamArgs(p, g, m, v, s));
  }

  /**
   * The adam kernel's arguments (here, or in an ArenaWorker), for the whole arrays or for their elements
   * [from, to) (`from` a multiple of 4; the last range ends at the array's end).
   */
  adamArgs(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamScalars, [from, to]: [number, number] = [0, p.length]): number[] {
    if (from % 4 !== 0 || to < from || to > p.length) throw new Error(`simd arena: range [${from}, ${to}) of ${p.length} floats`);
    const end = to === p.length ? paddedLength(to) : to;
    const at = (x: Float32Array) => this.pointer(x) + from * 4;
    return [at(p), at(g), at(m), at(v), (end - from) * 4, ...scalarArgs(s)];
  }

  /**
   * adam() with the gradient Aᵀ·B given as its factors, a [rank, rows of p] and b [rank, columns of p]
   * (arrays of this arena; columns a multiple of 4): formed group by group inside the update.
   */
  adamOuter(p: Float32Array, a: Float32Array, b: Float32Array, rank: number, m: Float32Array, v: Float32Array, s: AdamScalars): void {
    const args = this.adamOuterArgs(p, a, b, rank, m, v, s);
    this.outerKernel(rank)(...args);
  }

  /** Runs a job on this thread: what the kernel returns (sumSquares: Σ x²; 0 for the updates). */
  call(job: ArenaJob): number {
    if (job.kernel === 'sumSquares') return this.kernels.sumSquares(...(job.args as [number, number]));
    if (job.kernel === 'adam') this.kernels.adam(...job.args);
    else this.outerKernel(job.rank)(...job.args);
    return 0;
  }

  private outerKernel(rank: number): AdamOuter {
    let kernel = this.outer.get(rank);
    if (!kernel) {
      kernel = (new wasm.Instance(outerModule(rank, this.shared), { env: { memory: this.memory } }).exports as { adamOuter: AdamOuter }).adamOuter;
      this.outer.set(rank, kernel);
    }
    return kernel;
  }

  /** The adamOuter kernel's arguments (here, or in an ArenaWorker with the module for `rank`), for all of W's rows or rows [from, to). */
  adamOuterArgs(p: Float32Array, a: Float32Array, b: Float32Array, rank: number, m: Float32Array, v: Float32Array, s: AdamScalars, rowRange?: [number, number]): number[] {
    const [rows, columns] = [a.length / rank, b.length / rank];
    if (!Number.isInteger(rows) || !Number.isInteger(columns) || columns % 4 !== 0 || rows * columns !== p.length) throw new Error(`simd arena: factors [${rank}, ${rows}] and [${rank}, ${columns}] do not make a weight of ${p.length}`);
    const [first, end] = rowRange ?? [0, rows];
    if (first < 0 || end < first || end > rows) throw new Error(`simd arena: rows [${first}, ${end}) of ${rows}`);
    const at = (x: Float32Array) => this.pointer(x) + first * columns * 4;
    return [at(p), this.pointer(a) + first * 4, this.pointer(b), at(m), at(v), end - first, rows * 4, columns * 4, ...scalarArgs(s)];
  }

  private pointer(x: Float32Array): number {
    if (x.buffer !== this.memory.buffer) throw new Error('simd arena: array is not in this arena');
    return x.byteOffset;
  }
}
