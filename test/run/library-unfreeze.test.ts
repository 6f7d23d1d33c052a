/**
 * Training backbone layers through the public API (src/index.ts) alone: runFinetune's unfreeze settings
 * are typed FinetuneConfig fields, and fit() trains a SplitEncoder's top layer with a head.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defaultFinetuneConfig,
  defaultTrainConfig,
  fit,
  loadTextBackbone,
  SplitEncoder,
  type FinetuneConfig,
  type LowerInputs,
  type RunEvent,
  type TrainConfig,
} from '../../src/index.ts';
import { scratchRun } from '../helpers/tiny-model.ts';

describe('library API: backbone layers', () => {
  const run = scratchRun('transferkit-api-unfreeze-');

  it('FinetuneConfig and TrainConfig carry the unfreeze settings with their defaults (frozen backbone)', () => {
    expectTypeOf<FinetuneConfig['unfreezeTop']>().toEqualTypeOf<number | 'all'>();
    expectTypeOf<FinetuneConfig['unfreezeAtEpoch']>().toEqualTypeOf<number>();
    expectTypeOf<FinetuneConfig['backboneLrRatio']>().toEqualTypeOf<number>();
    expectTypeOf<TrainConfig['unfreezeTop']>().toEqualTypeOf<number | 'all' | null | undefined>();
    expect(defaultFinetuneConfig()).toMatchObject({ unfreezeTop: 0, unfreezeAtEpoch: 0, backboneLrRatio: 0.1 });
  });

  it('fit() with an encoder trains the top layer with the head and estimates the epoch time', async () => {
    const backbone = await loadTextBackbone(run.model, { device: 'cpu' });
    const split = await SplitEncoder.create(backbone, 1);
    try {
      const texts = Array.from({ length: 24 }, (_, i) => ({ text: `example number ${i}`, textPair: i % 2 ? 'yes' : 'no' }));
      const lower: LowerInputs = { kind: 'recompute', encoded: backbone.encodeInputs(texts, 32) };
      const labels = Int32Array.from(texts, (_, i) => i % 2);
      const features = await split.features(lower, 'mean');
      const before = await split.top.readWeights();
      const events: RunEvent[] = [];
      const result = await fit({
        train: { features, labels },
        validation: {},
        labelNames: ['no', 'yes'],
        head: { type: 'linear' },
        config: { ...defaultTrainConfig(), epochs: 1, batchSize: 8, learningRate: 1e-2, unfreezeTop: 1, backboneLrRatio: 1 },
        tfBackend: 'cpu',
        encoder: { split, pooling: 'mean', train: lower, validation: {} },
        emit: (e) => events.push(e),
      });
      result.head.dispose();
      expect(events.find((e) => e.type === 'epoch-start')).toMatchObject({ backboneTraining: 'layer 2' });
      expect(result.estimate).toMatchObject({ layers: 'layer 2', engine: 'cpu', stepsPerEpoch: 3, timedSteps: 2 });
      const after = await split.top.readWeights();
      expect(after.map((w) => w.name)).toEqual(before.map((w) => w.name));
      // Every weight of the layer moved (Adam's first step moves each by about the learning rate).
      const unchanged = after.filter((w, i) => w.data.every((v, j) => v === before[i]!.data[j]));
      expect(unchanged.map((w) => w.name)).toEqual([]);
    } finally {
      await split.dispose();
      await backbone.dispose();
    }
  });
});
