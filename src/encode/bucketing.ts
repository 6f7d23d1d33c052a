/**
 * Length bucketing: inside windows of `windowBatches × batchSize` inputs, sort by length and cut into
 * batches, so each batch is padded only to lengths close to its own. Windows (rather than one global
 * sort) keep memory and latency bounded on large inputs while removing almost all padding. Each batch
 * lists input indices; callers write results back by index, which restores input order.
 */
export interface BucketingOptions {
  batchSize: number;
  /** Sort by length (default true); false keeps input order. */
  bucketing?: boolean;
  /** Window size in batches (default 50). */
  windowBatches?: number;
}

export function planBatches(lengths: ArrayLike<number>, options: BucketingOptions): number[][] {
  const { batchSize, bucketing = true, windowBatches = 50 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const count = lengths.length;
  const window = bucketing ? batchSize * windowBatches : batchSize;
  const batches: number[][] = [];
  for (let start = 0; start < count; start += window) {
    const indices = Array.from({ length: Math.min(window, count - start) }, (_, i) => start + i);
    // Stable sort: equal lengths keep input order, so the plan is deterministic.
    if (bucketing) indices.sort((a, b) => lengths[a] - lengths[b] || a - b);
    for (let i = 0; i < indices.length; i += batchSize) batches.push(indices.slice(i, i + batchSize));
  }
  return batches;
}

/** Share of token slots that are padding when `batches` are each padded to their longest row. */
export function paddingFraction(lengths: ArrayLike<number>, batches: number[][]): number {
  let slots = 0;
  let real = 0;
  for (const batch of batches) {
    let longest = 0;
    for (const i of batch) {
      longest = Math.max(longest, lengths[i]);
      real += lengths[i];
    }
    slots += longest * batch.length;
  }
  return slots === 0 ? 0 : (slots - real) / slots;
}
