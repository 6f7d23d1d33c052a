import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTf } from '../../src/heads/backend.ts';
import { TransferModel } from '../../src/model/transfer-model.ts';
import { defaultTrainConfig, fit, predictProbabilities } from '../../src/train/index.ts';
import type { BackboneReference, ExtractOptions, FeatureExtractor, TextInput } from '../../src/core/index.ts';
import { blobs } from '../train/synthetic.ts';
import { checkpointFolder } from '../../src/checkpoint/folder-store.ts';

beforeAll(async () => {
  await initTf('cpu');
});

const labelNames = ['a', 'b', 'c'];

/** A stand-in pretrained backbone: each input text names a row of a fixed feature table. */
function fakeBackbone(table: Float32Array, dim: number, identity = 'fake:table@1') {
  const calls: ExtractOptions[] = [];
  const extractor: FeatureExtractor & { reference: BackboneReference } = {
    identity,
    dim,
    reference: { model: 'fake/table', identity, dim },
    async extract(inputs: TextInput[], options: ExtractOptions) {
      calls.push(options);
      const data = new Float32Array(inputs.length * dim);
      inputs.forEach((input, i) => {
        const row = Number(input.text.slice(4));
        data.set(table.subarray(row * dim, (row + 1) * dim), i * dim);
      });
      return { rows: inputs.length, dim, data };
    },
    async dispose() {},
  };
  return { extractor, calls };
}

describe('TransferModel', () => {
  it('serves, frozen, as the backbone of a second model that saves and reloads through the chain', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tk-model-'));
    const data = blobs(240, 6, 3, 31);
    const inputs = Array.from({ length: data.features.rows }, (_, i) => ({ text: `row-${i}` }));
    const fake = fakeBackbone(data.features.data, 6);
    const extras = { backbone: fake.extractor.reference, pooling: 'mean' as const, maxLength: 64 };
    const config = { ...defaultTrainConfig(), epochs: 10, batchSize: 16, learningRate: 0.05 };

    // Model A: features from the pretrained backbone → MLP head.
    const featuresA = await fake.extractor.extract(inputs, { pooling: 'mean', maxLength: 64 });
    const a = await fit({ train: { features: featuresA, labels: data.labels }, validation: {}, labelNames, head: { type: 'mlp', hidden: [5], activation: 'relu', dropout: 0 }, config, checkpoints: checkpointFolder(join(root, 'a'), extras), tfBackend: 'cpu' });
    a.head.dispose();
    const loadBackbone = async () => fake.extractor;
    const modelA = await TransferModel.loadFromCheckpoint(a.lastCheckpoint!, { loadBackbone });
    const predictionA = await modelA.predict(inputs.slice(0, 5));
    expect(predictionA.probabilities[0]).toHaveLength(3);
    expect(fake.calls.at(-1)).toMatchObject({ pooling: 'mean', maxLength: 64 });

    // A, frozen, is B's feature extractor: B's inputs are A's 5-dim penultimate activations.
    const extractorA = modelA.asFeatureExtractor();
    expect(modelA.frozen).toBe(true);
    expect(extractorA.dim).toBe(5);
    expect(extractorA.identity).toBe(`transferkit:${modelA.identity}`);
    await expect(fit({ train: { features: featuresA, labels: data.labels }, validation: {}, labelNames, head: { type: 'mlp', hidden: [5], activation: 'relu', dropout: 0 }, config, initialHead: modelA.head, tfBackend: 'cpu' })).rejects.toThrow(/frozen/);
    const featuresB = await extractorA.extract(inputs, { pooling: 'cls', maxLength: 8 });
    expect(featuresB.dim).toBe(5);
    const b = await fit({ train: { features: featuresB, labels: data.labels }, validation: { fit: { features: featuresB, labels: data.labels } }, labelNames, head: { type: 'linear' }, config, checkpoints: checkpointFolder(join(root, 'b'), { backbone: extractorA.reference, pooling: 'cls', maxLength: 8 }), tfBackend: 'cpu' });
    expect(b.eval.fit.accuracy).toBeGreaterThan(0.9);
    const expected = await predictProbabilities(b.head, featuresB);
    b.head.dispose();

    const manifestB = JSON.parse(await readFile(join(b.lastCheckpoint!, 'manifest.json'), 'utf8'));
    expect(manifestB.backbone).toEqual({ model: a.lastCheckpoint, identity: extractorA.identity, dim: 5, checkpoint: a.lastCheckpoint });

    // Reloading B rebuilds the chain: B's head ← A (checkpoint) ← the pretrained backbone.
    const modelB = await TransferModel.loadFromCheckpoint(b.lastCheckpoint!, { loadBackbone });
    const predictionB = await modelB.predict(inputs);
    predictionB.probabilities.forEach((row, i) => expect(Array.from(row)).toEqual(Array.from(expected.subarray(i * 3, (i + 1) * 3))));
    const agree = predictionB.labelIndices.filter((label, i) => label === data.labels[i]).length;
    expect(agree / inputs.length).toBeGreaterThan(0.9);
    await modelB.dispose();
    await modelA.dispose();
  });

  it('refuses a backbone whose identity differs from the one the head was trained on', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tk-model-'));
    const data = blobs(60, 4, 3, 41);
    const trained = fakeBackbone(data.features.data, 4, 'fake:v1');
    const r = await fit({ train: data, validation: {}, labelNames, head: { type: 'linear' }, config: { ...defaultTrainConfig(), epochs: 1 }, checkpoints: checkpointFolder(root, { backbone: trained.extractor.reference, pooling: 'cls', maxLength: 16 }), tfBackend: 'cpu' });
    r.head.dispose();
    const other = fakeBackbone(data.features.data, 4, 'fake:v2');
    await expect(TransferModel.loadFromCheckpoint(r.lastCheckpoint!, { loadBackbone: async () => other.extractor })).rejects.toThrow(
      /backbone fake\/table is now fake:v2 \(4-dim\) but this model was trained on fake:v1/,
    );
    const headOnly = await TransferModel.loadFromCheckpoint(r.lastCheckpoint!, { withBackbone: false });
    await expect(headOnly.predict([{ text: 'row-1' }])).rejects.toThrow(/loaded without its backbone/);
    expect((await headOnly.predictFeatures(data.features)).labels).toHaveLength(60);
    await headOnly.dispose();
  });
});
