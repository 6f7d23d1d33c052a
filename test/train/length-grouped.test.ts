/**
 * Length-grouped epoch orders (HF Trainer's group_by_length): every row once, megabatches of the seeded
 * permutation sorted longest first, the longest row at step one, the same order for the same seed and
 * epoch stream, another for another; and a finetune that trains layers with --group-by-length draws
 * its batches that way (and without it, plain shuffled ones).
 */
import { describe, expect, it, vi } from 'vitest';
import { Rng } from '../../src/core/index.ts';
import { SplitEncoder } from '../../src/backbones/split/split-encoder.ts';
import { defaultFinetuneConfig, runFinetune } from '../../src/index.ts';
import { lengthGroupedOrder, megabatchMultiplier } from '../../src/train/length-grouped.ts';
import { scratchRun } from '../helpers/tiny-model.ts';

const randomLengths = (rows: number, seed: number) => {
  const rng = new Rng(seed);
  return Int32Array.from({ length: rows }, () => 5 + rng.int(124));
};

/** Mean over batches of (longest − mean length): what padding to the batch's longest costs per row. */
function meanPadding(order: Int32Array, lengths: Int32Array, batchSize: number): number {
  let padding = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    const batch = Array.from(order.subarray(start, start + batchSize), (row) => lengths[row]!);
    padding += batch.reduce((sum, length) => sum + Math.max(...batch) - length, 0);
  }
  return padding / order.length;
}

describe('lengthGroupedOrder', () => {
  const lengths = randomLengths(1000, 3);

  it('takes HF\'s megabatch multiplier: rows / (4 × batch), within 1..50', () => {
    expect(megabatchMultiplier(1000, 8)).toBe(31);
    expect(megabatchMultiplier(3000, 32)).toBe(23);
    expect(megabatchMultiplier(100_000, 32)).toBe(50);
    expect(megabatchMultiplier(20, 32)).toBe(1);
  });

  it('lists every row exactly once', () => {
    const order = lengthGroupedOrder(lengths, 8, new Rng(1));
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it("sorts each megabatch of the seeded permutation longest first, the longest row of all first", () => {
    const order = lengthGroupedOrder(lengths, 8, new Rng(1));
    const permutation = new Rng(1).permutation(1000);
    const size = 31 * 8;
    expect(lengths[order[0]!]).toBe(Math.max(...lengths));
    let swappedTo = -1;
    for (let start = 0; start < 1000; start += size) {
      const slice = (a: Int32Array) => Array.from(a.subarray(start, start + size));
      const got = slice(order);
      const drawn = slice(permutation);
      const descending = got.slice(1).every((row, at) => lengths[row]! <= lengths[got[at]!]!);
      if (start === 0 || !descending) {
        // The first megabatch's head and the longest megabatch's head trade places (HF's swap).
        if (start > 0) swappedTo = start;
        continue;
      }
      expect(got.sort((a, b) => a - b)).toEqual(drawn.sort((a, b) => a - b));
    }
    // Undo the swap: then every megabatch is its slice of the permutation, sorted by length.
    const unswapped = Int32Array.from(order);
    if (swappedTo >= 0) [unswapped[0], unswapped[swappedTo]] = [unswapped[swappedTo]!, unswapped[0]!];
    for (let start = 0; start < 1000; start += size) {
      const got = Array.from(unswapped.subarray(start, start + size));
      expect(got.slice(1).every((row, at) => lengths[row]! <= lengths[got[at]!]!), `megabatch at ${start}`).toBe(true);
      expect(got.sort((a, b) => a - b)).toEqual(Array.from(permutation.subarray(start, start + size)).sort((a, b) => a - b));
    }
  });

  it('pads far less than a plain shuffle', () => {
    const grouped = meanPadding(lengthGroupedOrder(lengths, 32, new Rng(1)), lengths, 32);
    const shuffled = meanPadding(new Rng(1).permutation(1000), lengths, 32);
    expect(grouped).toBeLessThan(shuffled / 5);
  });

  it('is the same for the same epoch stream and differs across epochs and seeds', () => {
    const run = new Rng(42);
    const epoch = (rng: Rng, n: number) => Array.from(lengthGroupedOrder(lengths, 32, rng.derive('shuffle', n)));
    expect(epoch(run, 0)).toEqual(epoch(new Rng(42), 0));
    expect(epoch(run, 1)).not.toEqual(epoch(run, 0));
    expect(epoch(new Rng(7), 0)).not.toEqual(epoch(run, 0));
  });
});

describe('finetune with layers training draws length-grouped batches', () => {
  const run = scratchRun('transferkit-length-grouped-');

  /** The training batches the layers' engine was given, as row lengths, in step order. */
  async function trainingBatches(groupByLength: boolean): Promise<number[][]> {
    const batches: number[][] = [];
    const original = SplitEncoder.prototype.prepare;
    const prepare = vi.spyOn(SplitEncoder.prototype, 'prepare').mockImplementation(function (this: SplitEncoder, inputs, indices, grouped) {
      // 64 training rows; the validation set (32 rows) goes through prepare too, for its features.
      if (inputs.encoded.length === 64) batches.push(Array.from(indices, (i) => inputs.encoded[i]!.ids.length));
      return original.call(this, inputs, indices, grouped);
    });
    try {
      await runFinetune(
        { ...defaultFinetuneConfig(), model: run.model, epochs: 1, batchSize: 8, maxTrainSamples: 64, maxEvalSamples: 32, pooling: 'mean', tfBackend: 'wasm', unfreezeTop: 'all', groupByLength, outputDir: `${run.dir}/${groupByLength}` },
        { emit: () => {} },
      );
    } finally {
      prepare.mockRestore();
    }
    return batches;
  }

  it('groups by length with groupByLength on, and not with it off (the default)', async () => {
    const grouped = await trainingBatches(true);
    expect(grouped).toHaveLength(8);
    // Megabatches of 2 batches (64 rows / (4 × 8)), each longest first after its head (HF's swap moves
    // the longest row of all to the front and the first megabatch's head into its place).
    const flat = grouped.flat();
    for (let start = 0; start < 64; start += 16) {
      const megabatch = flat.slice(start + 1, start + 16);
      expect(megabatch.slice(1).every((length, at) => length <= megabatch[at]!), `megabatch at ${start}: ${megabatch}`).toBe(true);
    }
    expect(flat[0]).toBe(Math.max(...flat));
    const plain = (await trainingBatches(false)).flat();
    expect(plain.slice().sort((a, b) => a - b)).toEqual(flat.slice().sort((a, b) => a - b));
    expect(plain.slice(0, 16).every((length, at, all) => at === 0 || length <= all[at - 1]!)).toBe(false);
  });
});
