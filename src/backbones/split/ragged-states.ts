/**
 * The lower part's output for a whole split, unpadded: example i's hidden states are rows
 * offsets[i]..offsets[i+1] of one [Σ len_i, H] matrix (ragged [N, len_i, H]), stored as float16 or
 * float32. Padding is added per batch only, to that batch's longest example.
 */
import { fromFloat16Table, toFloat16 } from './float16.ts';

export const CACHE_DTYPES = ['float16', 'float32'] as const;
export type CacheDtype = (typeof CACHE_DTYPES)[number];

export class RaggedStates {
  constructor(
    readonly dim: number,
    readonly dtype: CacheDtype,
    /** Token offsets, length N + 1. */
    readonly offsets: Int32Array,
    readonly data: Uint16Array | Float32Array,
  ) {}

  static empty(lengths: ArrayLike<number>, dim: number, dtype: CacheDtype): RaggedStates {
    const offsets = new Int32Array(lengths.length + 1);
    for (let i = 0; i < lengths.length; i++) offsets[i + 1] = offsets[i]! + lengths[i]!;
    const size = offsets[lengths.length]! * dim;
    return new RaggedStates(dim, dtype, offsets, dtype === 'float16' ? new Uint16Array(size) : new Float32Array(size));
  }

  /** Bytes the states of examples with these lengths take. */
  static bytesFor(lengths: ArrayLike<number>, dim: number, dtype: CacheDtype): number {
    let tokens = 0;
    for (let i = 0; i < lengths.length; i++) tokens += lengths[i]!;
    return tokens * dim * (dtype === 'float16' ? 2 : 4);
  }

  get rows(): number {
    return this.offsets.length - 1;
  }

  get byteLength(): number {
    return this.data.byteLength;
  }

  length(i: number): number {
    return this.offsets[i + 1]! - this.offsets[i]!;
  }

  /** Stores example `i` from row `row` of a padded [B, S, H] batch output. */
  set(i: number, padded: Float32Array, row: number, seq: number): void {
    const n = this.length(i) * this.dim;
    const source = padded.subarray(row * seq * this.dim, row * seq * this.dim + n);
    const at = this.offsets[i]! * this.dim;
    if (this.data instanceof Float32Array) this.data.set(source, at);
    else for (let j = 0; j < n; j++) this.data[at + j] = toFloat16(source[j]!);
  }

  /** The examples `indices` as a right-padded [B, S, H] float32 batch, S their longest length. */
  padded(indices: ArrayLike<number>): { data: Float32Array; seq: number } {
    let seq = 0;
    for (let r = 0; r < indices.length; r++) seq = Math.max(seq, this.length(indices[r]!));
    const out = new Float32Array(indices.length * seq * this.dim);
    const half = this.data instanceof Uint16Array ? fromFloat16Table() : null;
    for (let r = 0; r < indices.length; r++) {
      const i = indices[r]!;
      const start = this.offsets[i]! * this.dim;
      const n = this.length(i) * this.dim;
      const target = r * seq * this.dim;
      if (!half) out.set((this.data as Float32Array).subarray(start, start + n), target);
      else for (let j = 0; j < n; j++) out[target + j] = half[this.data[start + j]!]!;
    }
    return { data: out, seq };
  }
}
