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
 */
import { optimizerModuleBytes, outerAdamModuleBytes } from './wasm-module.ts';

const PAGE = 65536;
/** wasm32's ceiling (4 GiB), less a page so that no array can end at 2³² (the kernels' end pointer would wrap). */
const MAX_BYTES = 2 ** 32 - PAGE;

interface Kernels {
  sumSquares(x: number, bytes: number): number;
  adam(p: number, g: number, m: number, v: number, bytes: number, scale: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, keep: number, epsilonHat: number, stepSize: number, l2: number): void;
}

/** The WebAssembly API this file uses (the project's TypeScript libs, without DOM, do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | null = null;
/** Outer-product Adam modules by rank (each unrolled for its rank). */
const compiledOuter = new Map<number, object>();

type AdamOuter = (p: number, a: number, b: number, m: number, v: number, inCount: number, outBytes: number, scale: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, keep: number, epsilonHat: number, stepSize: number, l2: number) => void;

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

export class SimdArena {
  private used = 0;
  private readonly outer = new Map<number, AdamOuter>();

  private constructor(
    private readonly memory: WasmMemory,
    private readonly kernels: Kernels,
    private readonly capacity: number,
  ) {}

  /** An arena for `floats` float32s (each array's padded length summed), or null where wasm32 cannot hold them. */
  static create(floats: number): SimdArena | null {
    const bytes = floats * 4;
    if (bytes > MAX_BYTES) return null;
    compiled ??= new wasm.Module(optimizerModuleBytes());
    const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    const instance = new wasm.Instance(compiled, { env: { memory } });
    return new SimdArena(memory, instance.exports as unknown as Kernels, bytes);
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
    return this.kernels.sumSquares(this.pointer(x), paddedLength(x.length) * 4);
  }

  /** One Adam/AdamW update of p, m and v (arrays of this arena, same length) from the gradient g. */
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: AdamScalars): void {
    const bytes = paddedLength(p.length) * 4;
    this.kernels.adam(this.pointer(p), this.pointer(g), this.pointer(m), this.pointer(v), bytes, s.scale, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.keep, s.epsilonHat, s.stepSize, s.l2);
  }

  /**
   * adam() with the gradient Aᵀ·B given as its factors, a [rank, rows of p] and b [rank, columns of p]
   * (arrays of this arena; columns a multiple of 4): formed group by group inside the update.
   */
  adamOuter(p: Float32Array, a: Float32Array, b: Float32Array, rank: number, m: Float32Array, v: Float32Array, s: AdamScalars): void {
    const [rows, columns] = [a.length / rank, b.length / rank];
    if (!Number.isInteger(rows) || !Number.isInteger(columns) || columns % 4 !== 0 || rows * columns !== p.length) throw new Error(`simd arena: factors [${rank}, ${rows}] and [${rank}, ${columns}] do not make a weight of ${p.length}`);
    let kernel = this.outer.get(rank);
    if (!kernel) {
      let module = compiledOuter.get(rank);
      if (!module) compiledOuter.set(rank, (module = new wasm.Module(outerAdamModuleBytes(rank))));
      kernel = (new wasm.Instance(module, { env: { memory: this.memory } }).exports as { adamOuter: AdamOuter }).adamOuter;
      this.outer.set(rank, kernel);
    }
    kernel(this.pointer(p), this.pointer(a), this.pointer(b), this.pointer(m), this.pointer(v), rows, columns * 4, s.scale, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.keep, s.epsilonHat, s.stepSize, s.l2);
  }

  private pointer(x: Float32Array): number {
    if (x.buffer !== this.memory.buffer) throw new Error('simd arena: array is not in this arena');
    return x.byteOffset;
  }
}
