/**
 * How to cut one training batch, rows sorted by length, into groups that each run the TF.js top padded
 * only to their own longest row. Fewer padded tokens cost less (attention quadratically), each extra
 * group costs a fixed overhead in extra TF.js ops; the cut minimises the estimate below exactly
 * (dynamic programming over the sorted rows). The result never depends on the cut, only the time does.
 *
 * Estimated forward costs in nanoseconds, from the wasm backend (bench/unfreeze-tiny.ts): dense layers
 * (XNNPACK, ~10 GFLOP/s) 24·H²/10 per token (4 H×H projections + an H×4H FFN, 2 FLOPs per MAC);
 * attention (TF.js wasm's batched products, ~1 GFLOP/s) 4·H per query-key pair; about 8 ms of op
 * overhead per group (measured: TF.js op overhead, not FLOPs; with 1 ms the batches of the bundled set were cut
 * into 4.7 groups and a step got 18% faster, with 10 ms into 2 groups and 24% faster).
 */
const GROUP_OVERHEAD_NS = 8e6;

/** Exclusive end positions of the groups, for row lengths sorted ascending. */
export function groupByLength(sortedLengths: readonly number[], hidden: number): number[] {
  const n = sortedLengths.length;
  if (n === 0) return [];
  const perToken = (24 * hidden * hidden) / 10;
  const perPair = 4 * hidden;
  const cost = (start: number, end: number) => {
    const longest = sortedLengths[end - 1]!;
    return (end - start) * longest * (perToken + perPair * longest) + GROUP_OVERHEAD_NS;
  };
  // best[e]: cheapest cut of rows 0..e-1; cutAt[e]: where its last group starts.
  const best = new Float64Array(n + 1).fill(Infinity);
  const cutAt = new Int32Array(n + 1);
  best[0] = 0;
  for (let end = 1; end <= n; end++) {
    for (let start = 0; start < end; start++) {
      const total = best[start]! + cost(start, end);
      if (total < best[end]!) {
        best[end] = total;
        cutAt[end] = start;
      }
    }
  }
  const ends: number[] = [];
  for (let end = n; end > 0; end = cutAt[end]!) ends.unshift(end);
  return ends;
}
