import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadTextBackbone } from '../../src/backbones/load.ts';
import type { TextInput } from '../../src/core/index.ts';
import type { TextBackbone } from '../../src/backbones/types.ts';
import { extractWithCache } from '../../src/features/cache.ts';
import { TransferModel } from '../../src/model/transfer-model.ts';
import { defaultTrainConfig, fit, predictProbabilities } from '../../src/train/index.ts';
import { scratchDir, tinyModelDir } from '../helpers/tiny-model.ts';
import { checkpointFolder } from '../../src/checkpoint/folder-store.ts';

const words = ['cat', 'dog', 'bird', 'fish', 'tree', 'car', 'house', 'river'];
const inputs: TextInput[] = Array.from({ length: 48 }, (_, i) => ({
  text: `the ${words[i % 8]} is near the ${words[(i * 3) % 8]}`,
  textPair: i % 2 === 0 ? `a ${words[(i + 1) % 8]}` : undefined,
}));
const labels = Int32Array.from(inputs, (_, i) => i % 3);
const labelNames = ['entailment', 'neutral', 'contradiction'];

describe('TransferModel on the generated tiny BERT', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let backbone: TextBackbone;

  beforeAll(async () => {
    scratch = await scratchDir('transferkit-model-bert-');
    process.env.TRANSFERKIT_CACHE = scratch.dir;
    backbone = await loadTextBackbone(await tinyModelDir(), { device: 'cpu' });
  });
  afterAll(async () => {
    await backbone?.dispose();
    await scratch?.cleanup();
  });

  it('caches features (second run: zero forward passes), trains, saves, reloads by reference and predicts with attentions', async () => {
    const options = { pooling: 'cls' as const, maxLength: 32, datasetHash: 'e'.repeat(64), chunkRows: 20 };
    const first = await extractWithCache(backbone, inputs, options);
    const callsAfterFirst = backbone.forwardCalls;
    expect(callsAfterFirst).toBeGreaterThan(0);
    const second = await extractWithCache(backbone, inputs, options);
    expect(backbone.forwardCalls).toBe(callsAfterFirst);
    expect(second.cached).toBe(true);
    expect(second.features.data).toEqual(first.features.data);

    const result = await fit({
      train: { features: first.features, labels },
      validation: {},
      labelNames,
      head: { type: 'mlp', hidden: [16], activation: 'gelu', dropout: 0 },
      config: { ...defaultTrainConfig(), epochs: 2 },
      checkpoints: checkpointFolder(join(scratch.dir, 'run'), { backbone: backbone.reference, pooling: 'cls', maxLength: 32 }),
      tfBackend: 'cpu',
    });
    const expected = await predictProbabilities(result.head, first.features);
    result.head.dispose();

    const model = await TransferModel.loadFromCheckpoint(result.lastCheckpoint!, { device: 'cpu' });
    const prediction = await model.predict(inputs.slice(0, 3), { attentions: true });
    for (let i = 0; i < 3; i++) {
      Array.from(prediction.probabilities[i]).forEach((p, c) => expect(p).toBeCloseTo(expected[i * 3 + c], 5));
    }
    expect(prediction.attentions).toHaveLength(3);
    expect(prediction.attentions![0].layers).toHaveLength(backbone.config.numLayers);
    expect(prediction.attentions![0].tokens[0]).toBe('[CLS]');
    await model.dispose();
  });
});
