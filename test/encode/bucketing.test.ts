import { describe, expect, it } from 'vitest';
import { paddingFraction, planBatches } from '../../src/encode/bucketing.ts';

function seededLengths(count: number, seed = 7): number[] {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: count }, () => 5 + Math.floor(next() * 120));
}

describe('planBatches', () => {
  it('covers every input exactly once, in batches of at most batchSize', () => {
    const lengths = seededLengths(1037);
    const batches = planBatches(lengths, { batchSize: 32 });
    const seen = batches.flat().sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 1037 }, (_, i) => i));
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(32);
  });

  it('sorts by length only inside windows of windowBatches × batchSize', () => {
    const lengths = seededLengths(300);
    const batches = planBatches(lengths, { batchSize: 10, windowBatches: 5 });
    // Window w holds inputs [50w, 50w + 50): batches never mix windows.
    batches.forEach((batch, b) => {
      const window = Math.floor(b / 5);
      for (const i of batch) expect(Math.floor(i / 50)).toBe(window);
    });
    const window0 = batches.slice(0, 5).flat().map((i) => lengths[i]);
    expect(window0).toEqual([...window0].sort((a, b) => a - b));
  });

  it('keeps input order when bucketing is off', () => {
    const batches = planBatches(seededLengths(25), { batchSize: 10, bucketing: false });
    expect(batches).toEqual([
      Array.from({ length: 10 }, (_, i) => i),
      Array.from({ length: 10 }, (_, i) => i + 10),
      [20, 21, 22, 23, 24],
    ]);
  });

  it('pads far less than unsorted batches', () => {
    const lengths = seededLengths(2000);
    const sorted = paddingFraction(lengths, planBatches(lengths, { batchSize: 32 }));
    const unsorted = paddingFraction(lengths, planBatches(lengths, { batchSize: 32, bucketing: false }));
    expect(unsorted).toBeGreaterThan(0.3);
    expect(sorted).toBeLessThan(unsorted / 5);
  });

  it('computes the padding fraction of a hand-made plan', () => {
    expect(paddingFraction([2, 4, 4, 1], [[0, 1], [2, 3]])).toBeCloseTo((2 + 3) / 16, 12);
  });
});
