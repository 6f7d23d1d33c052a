/**
 * The kept checkpoint's evaluation and prediction through ONNX Runtime's forward graph (ortFeaturePool):
 * on trained (here: perturbed) top weights, its pooled features and a head's metrics equal the TF.js
 * top's to float32 rounding, for k layers with [CLS] pooling and for the whole encoder with mean pooling.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SplitEncoder, type LowerInputs, type UnfreezeTop } from '../../../src/backbones/split/split-encoder.ts';
import type { TextBackbone } from '../../../src/backbones/types.ts';
import { Rng } from '../../../src/core/index.ts';
import { Head } from '../../../src/heads/head.ts';
import { evaluate } from '../../../src/train/evaluate.ts';
import { ortFeaturePool } from '../../../src/train/ort/feature-pool.ts';
import { scratchFolder } from '../../helpers/tiny-model.ts';
import { HEADS, tinyBackbone } from './step-fixture.ts';

const scratch = scratchFolder('transferkit-feature-pool-');
let base: TextBackbone;

beforeAll(async () => {
  await tf.setBackend('cpu');
  base = await tinyBackbone(scratch.dir);
});
afterAll(() => base?.dispose());

const WORDS = ['the cat sat on the mat', 'nobody came', 'it rained all day and the ground is wet', 'she plays the piano', 'two dogs run', 'a bird'];
const PAIRS = WORDS.flatMap((premise, i) => WORDS.slice(i).map((hypothesis) => ({ text: premise, textPair: hypothesis })));
const LABELS = Int32Array.from(PAIRS, (_, i) => (i * 7) % 3);

/** A split whose top weights differ from the ONNX file's (a checkpoint's trained layers): each scaled by 1.05 plus a seeded shift. */
async function trainedSplit(k: UnfreezeTop): Promise<SplitEncoder> {
  const plain = await SplitEncoder.create(base, k);
  const rng = new Rng(3);
  const overrides = new Map((await plain.top.readWeights()).map(({ name, data }) => [name, Float32Array.from(data, (x) => x * 1.05 + (rng.next() - 0.5) * 0.02)]));
  await plain.dispose();
  return SplitEncoder.create(base, k, overrides);
}

const maxRelative = (a: Float32Array, b: Float32Array) => {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
};

describe('ortFeaturePool', () => {
  for (const [k, pooling] of [[2, 'cls'], ['all', 'mean']] as const) {
    it(`top ${k}, ${pooling} pooling: features and metrics equal the TF.js top's to float32 rounding`, async () => {
      const split = await trainedSplit(k);
      const encoded = base.encodeInputs(PAIRS, 64);
      const inputs: LowerInputs = split.lower ? { kind: 'recompute', encoded } : { kind: 'tokens', encoded };
      const pool = await ortFeaturePool(split, pooling);
      expect(pool).not.toBeNull();
      const head = Head.create(HEADS.linear!, new Rng(9));
      try {
        const tfjs = await split.features(inputs, pooling, 8);
        const ort = await split.features(inputs, pooling, 8, pool!.pool);
        expect(maxRelative(ort.data, tfjs.data)).toBeLessThan(1e-5);
        // The trained weights, not the ONNX file's, made them.
        const untrained = await SplitEncoder.create(base, k);
        expect(maxRelative((await untrained.features(inputs, pooling, 8)).data, tfjs.data)).toBeGreaterThan(1e-2);
        await untrained.dispose();
        const labels = ['a', 'b', 'c'];
        const [m1, m2] = [await evaluate(head, ort, LABELS, labels), await evaluate(head, tfjs, LABELS, labels)];
        expect(Math.abs(m1.loss - m2.loss)).toBeLessThan(1e-5);
        expect(m1.accuracy).toBe(m2.accuracy);
        expect(m1.confusion).toEqual(m2.confusion);
      } finally {
        head.dispose();
        await pool?.dispose();
        await split.dispose();
      }
    });
  }

  it("is null where the forward graph cannot pool ('pooler'): the TF.js top then", async () => {
    const split = await SplitEncoder.create(base, 1);
    expect(await ortFeaturePool(split, 'pooler')).toBeNull();
    await split.dispose();
  });
});
