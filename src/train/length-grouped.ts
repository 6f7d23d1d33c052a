/**
 * An epoch's row order whose consecutive batches hold rows of similar length: Hugging Face Trainer's
 * `group_by_length` (transformers' `get_length_grouped_indices`, behind LengthGroupedSampler). A random
 * permutation is cut into megabatches of `mult × batchSize` rows, each sorted by length (longest first),
 * and the megabatch holding the longest row goes first with that row at the front, so the costliest batch
 * (memory, session shape) comes at step one. Batches stay random draws of the set; only their
 * composition inside a megabatch follows length, so each is padded to a length close to its rows' own.
 * All randomness comes from `rng` (the epoch's shuffle stream), so a resumed run replays the same batches.
 */
import type { Rng } from '../core/index.ts';

/** HF's megabatch multiplier: at most 50 batches, and at least four megabatches where the set allows. */
export function megabatchMultiplier(rows: number, batchSize: number): number {
  return Math.max(1, Math.min(Math.floor(rows / (batchSize * 4)), 50));
}

export function lengthGroupedOrder(lengths: ArrayLike<number>, batchSize: number, rng: Rng): Int32Array {
  const rows = lengths.length;
  const order = rng.permutation(rows);
  const size = megabatchMultiplier(rows, batchSize) * batchSize;
  let longestStart = 0;
  for (let start = 0; start < rows; start += size) {
    const megabatch = order.subarray(start, Math.min(rows, start + size));
    // Longest first; equal lengths keep their (random) permutation order, so the result is deterministic.
    const sorted = Array.from(megabatch).map((row, at) => ({ row, at }));
    sorted.sort((a, b) => lengths[b.row]! - lengths[a.row]! || a.at - b.at);
    sorted.forEach(({ row }, at) => (megabatch[at] = row));
    if (lengths[megabatch[0]!]! > lengths[order[longestStart]!]!) longestStart = start;
  }
  // HF swaps the first row of the first megabatch with the first (longest) row of the longest one.
  [order[0], order[longestStart]] = [order[longestStart]!, order[0]!];
  return order;
}
