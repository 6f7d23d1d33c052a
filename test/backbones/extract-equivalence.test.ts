/**
 * The optimised extraction path (windows of length-sorted inputs, dynamic padding, batches of 32) must
 * give the features of the plainest path (one input per forward pass, no padding, file order) to
 * float32 rounding, for both poolings, on real MNLI pairs when ../shared has them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextBackbone } from '../../src/backbones/load.ts';
import type { TextBackbone } from '../../src/backbones/types.ts';
import type { TextInput } from '../../src/core/index.ts';
import { haveShared, SHARED_DIR } from '../helpers/shared.ts';
import { scratchDir, tinyModelDir } from '../helpers/tiny-model.ts';

const DEV = 'data/mnli/dev_matched.tsv';

/** 160 dev-matched pairs spread over the file (or generated pairs of varied length without ../shared). */
async function pairs(): Promise<TextInput[]> {
  if (!haveShared(DEV)) {
    const words = 'the cat sat on a mat while dogs ran far away into woods'.split(' ');
    return Array.from({ length: 160 }, (_, i) => ({ text: words.slice(0, 1 + (i % 13)).join(' '), textPair: words.slice((i * 7) % 13).join(' ') }));
  }
  const rows = (await readFile(join(SHARED_DIR, DEV), 'utf8')).trim().split('\n').slice(1);
  return rows.filter((_, i) => i % 61 === 0).slice(0, 160).map((row) => {
    const [, premise, hypothesis] = row.split('\t');
    return { text: premise, textPair: hypothesis };
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('optimised extraction vs the unoptimised path', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let backbone: TextBackbone;
  let inputs: TextInput[];

  beforeAll(async () => {
    scratch = await scratchDir('transferkit-equivalence-');
    process.env.TRANSFERKIT_CACHE = scratch.dir;
    backbone = await loadTextBackbone(await tinyModelDir(), { device: 'cpu' });
    inputs = await pairs();
  });
  afterAll(async () => {
    await backbone?.dispose();
    await scratch?.cleanup();
  });

  for (const pooling of ['cls', 'mean'] as const) {
    it(`${pooling} pooling: the same features to float32 rounding, in input order`, async () => {
      const optimised = await backbone.extract(inputs, { pooling, maxLength: 128 });
      const plain = await backbone.extract(inputs, { pooling, maxLength: 128, batchSize: 1, bucketing: false });
      expect(optimised.rows).toBe(inputs.length);
      expect(maxAbsDiff(optimised.data, plain.data)).toBeLessThanOrEqual(1e-5);
      // Not trivially equal: rows differ from one another.
      expect(maxAbsDiff(optimised.data.subarray(0, optimised.dim), optimised.data.subarray(optimised.dim, 2 * optimised.dim))).toBeGreaterThan(1e-3);
    });
  }
});
