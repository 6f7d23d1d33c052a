/**
 * int8 stays within the stated agreement with fp32 (issue 12's targets) on a generated model large enough
 * for int8 rounding to matter (4 layers, hidden 256, intermediate 1024, BERT's 0.02 init):
 * - the CLS vectors: cosine int8 vs fp32, mean ≥ 0.99 (the minimum is printed);
 * - a head trained on fp32 features predicts the same class from int8 features for ≥ 98% of the bundled
 *   validation pairs. The head reads mean-pooled features: a random model's CLS vector barely depends on
 *   the input (its spread across inputs is ~5% of its norm, so int8 rounding is 4% of that spread and a
 *   head on it sits at chance with every pair near a boundary), while mean pooling carries word identity.
 *   With init 0.1 instead of 0.02 the same check fails (95%): it measures int8 noise against the signal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextBackbone } from '../../src/backbones/load.ts';
import { quantizeModel } from '../../src/backbones/quantize-model.ts';
import type { TextInput } from '../../src/core/index.ts';
import { agreementRate, argmaxRows, rowCosines } from '../../src/features/agreement.ts';
import { bundledDataset } from '../../src/data/bundled.ts';
import { loadTextDataset } from '../../src/data/index.ts';
import type { TextBackbone } from '../../src/backbones/types.ts';
import { defaultTrainConfig, fit, predictProbabilities } from '../../src/train/index.ts';
import { makeTestBert, scratchFolder } from '../helpers/tiny-model.ts';

const scratch = scratchFolder('transferkit-q8-agreement-');
const cls = { pooling: 'cls' as const, maxLength: 48 };
const mean = { pooling: 'mean' as const, maxLength: 48 };

async function pairs(split: 'train' | 'validation', rows: number): Promise<{ inputs: TextInput[]; labels: Int32Array; labelNames: string[] }> {
  const data = await loadTextDataset(bundledDataset(split), { maxSamples: rows });
  return { inputs: data.texts.map((text, i) => ({ text, textPair: data.textPairs![i] })), labels: data.labels!, labelNames: data.labelNames };
}

describe('int8 (quantize + --dtype q8) against fp32 on a generated model', () => {
  let fp32: TextBackbone;
  let int8: TextBackbone;

  beforeAll(async () => {
    const { dir } = await makeTestBert(scratch.dir, 'bert', { layers: 4, hidden: 256, heads: 4, intermediate: 1024, seed: 7 });
    await quantizeModel(dir, dir);
    fp32 = await loadTextBackbone(dir, { device: 'cpu' });
    int8 = await loadTextBackbone(dir, { device: 'cpu', dtype: 'q8' });
    // Both files sit in one folder: the identity (the feature cache's key) still tells them apart.
    expect(int8.identity).not.toBe(fp32.identity);
  }, 120_000);
  afterAll(async () => {
    await fp32?.dispose();
    await int8?.dispose();
  });

  it('keeps the CLS vectors within cosine 0.99 on average, and a fp32-trained head agrees on ≥ 98% of pairs', async () => {
    const train = await pairs('train', 400);
    const validation = await pairs('validation', 300);
    const cos = rowCosines(await fp32.extract(validation.inputs, cls), await int8.extract(validation.inputs, cls));
    const meanCosine = cos.reduce((a, b) => a + b, 0) / cos.length;
    console.log(`int8 vs fp32 CLS cosine over ${cos.length} pairs: mean ${meanCosine.toFixed(6)}, min ${Math.min(...cos).toFixed(6)}`);
    expect(meanCosine).toBeGreaterThanOrEqual(0.99);
    // Not identical: the int8 model really ran integer arithmetic.
    expect(meanCosine).toBeLessThan(0.9999999);

    const trainFeatures = await fp32.extract(train.inputs, mean);
    const fp32Features = await fp32.extract(validation.inputs, mean);
    const int8Features = await int8.extract(validation.inputs, mean);

    // Three head seeds, each must hold: the agreement moves with the head's seed, and one lucky seed proves little.
    for (const seed of [1, 2, 3]) {
      const result = await fit({
        train: { features: trainFeatures, labels: train.labels },
        validation: {},
        labelNames: train.labelNames,
        head: { type: 'linear' },
        config: { ...defaultTrainConfig(), epochs: 10, learningRate: 5e-3, seed },
        tfBackend: 'cpu',
      });
      const fromFp32 = argmaxRows(await predictProbabilities(result.head, fp32Features), 3);
      const fromInt8 = argmaxRows(await predictProbabilities(result.head, int8Features), 3);
      result.head.dispose();
      // A head that predicts one class agrees trivially; this one must use at least two classes (≥ 10% each).
      const counts = [0, 1, 2].map((c) => fromFp32.filter((p) => p === c).length);
      expect(counts.filter((n) => n >= 0.1 * fromFp32.length).length).toBeGreaterThanOrEqual(2);
      const agreement = agreementRate(fromFp32, fromInt8);
      console.log(`head seed ${seed}, trained on fp32 mean-pooled features: int8 features give the same class for ${(agreement * 100).toFixed(1)}% of ${fromFp32.length} pairs (classes ${counts.join('/')})`);
      expect(agreement).toBeGreaterThanOrEqual(0.98);
    }
  }, 180_000);
});
