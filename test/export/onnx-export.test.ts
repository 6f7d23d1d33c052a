import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextBackbone } from '../../src/backbones/load.ts';
import type { BackboneReference, TextInput } from '../../src/core/index.ts';
import { floatTensor } from '../../src/backbones/onnx/build.ts';
import { readModelFile, writeModelFile } from '../../src/backbones/onnx/model-file.ts';
import { initializerTensor, tensorFloats } from '../../src/backbones/onnx/model.ts';
import { exportOnnx } from '../../src/export/onnx/export.ts';
import type { HeadConfig } from '../../src/heads/config.ts';
import { TransferModel } from '../../src/model/transfer-model.ts';
import { scratchFolder, tinyModelDir } from '../helpers/tiny-model.ts';
import { exportedPredictions, LABELS, maxDifference, saveRandomCheckpoint } from './onnx-fixtures.ts';

// Short enough that nothing is truncated: Transformers.js truncates by cutting the encoded sequence, final
// [SEP] included, where TransferKit (like Hugging Face tokenizers) keeps it (see the README).
const SINGLES: TextInput[] = [
  { text: 'A man is sleeping.' },
  { text: 'the cat sat on the mat while a dog barked at the river' },
  { text: 'Yes.' },
  { text: 'Two children play football in a park near the old house.' },
];
const PAIRS: TextInput[] = [
  { text: 'A man is sleeping.', textPair: 'A man is awake.' },
  { text: 'two dogs play', textPair: 'animals play outside' },
  { text: 'The house is near the river.', textPair: 'It is far.' },
];

const VARIANTS: { name: string; head: HeadConfig; pooling: 'cls' | 'mean'; maxLength: number }[] = [
  { name: 'linear-cls', head: { type: 'linear' }, pooling: 'cls', maxLength: 40 },
  { name: 'mlp-gelu-mean', head: { type: 'mlp', hidden: [16], activation: 'gelu', dropout: 0.1 }, pooling: 'mean', maxLength: 64 },
  { name: 'mlp-tanh-2-mean', head: { type: 'mlp', hidden: [12, 8], activation: 'tanh', dropout: 0 }, pooling: 'mean', maxLength: 64 },
  { name: 'mlp-relu-cls', head: { type: 'mlp', hidden: [16], activation: 'relu', dropout: 0.2 }, pooling: 'cls', maxLength: 64 },
];

describe('export-onnx: the exported folder through Transformers.js equals transferkit predict', () => {
  const scratch = scratchFolder('transferkit-export-onnx-');
  let backbone: BackboneReference;

  beforeAll(async () => {
    const loaded = await loadTextBackbone(await tinyModelDir(), { device: 'cpu' });
    backbone = loaded.reference;
    await loaded.dispose();
  });

  async function expectSameAsPredict(checkpoint: string, exported: string, inputs: TextInput[]) {
    const model = await TransferModel.loadFromCheckpoint(checkpoint, { device: 'cpu' });
    try {
      const expected = await model.predict(inputs);
      const got = await exportedPredictions(exported, inputs);
      expect(got.labels).toEqual(expected.labels);
      expect(maxDifference(got.probabilities, expected.probabilities)).toBeLessThanOrEqual(1e-5);
      return expected;
    } finally {
      await model.dispose();
    }
  }

  for (const variant of VARIANTS) {
    it(`${variant.name}: labels and probabilities (<= 1e-5) for single texts in one padded batch and for pairs`, async () => {
      const checkpoint = await saveRandomCheckpoint({ dir: join(scratch.dir, variant.name), backbone, pooling: variant.pooling, maxLength: variant.maxLength, head: variant.head, inputDim: backbone.dim, seed: 7 });
      const out = join(scratch.dir, `${variant.name}-onnx`);
      const result = await exportOnnx(checkpoint, out);
      expect(result).toMatchObject({ dir: out, labelNames: LABELS, pooling: variant.pooling, maxLength: variant.maxLength, overridden: 0 });

      const expected = await expectSameAsPredict(checkpoint, out, SINGLES);
      // Not a constant answer: the inputs get different probabilities.
      expect(maxDifference([expected.probabilities[0]], [expected.probabilities[1]])).toBeGreaterThan(1e-4);
      await expectSameAsPredict(checkpoint, out, PAIRS);

      const graph = (await readModelFile(join(out, 'onnx', 'model.onnx'))).graph;
      expect(graph.output.map((o) => o.name)).toEqual(['logits']);
      const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
      expect(config.architectures).toEqual(['BertForSequenceClassification']);
      expect(config.id2label).toEqual({ 0: 'entailment', 1: 'neutral', 2: 'contradiction' });
      expect(config.label2id).toEqual({ entailment: 0, neutral: 1, contradiction: 2 });
      expect(config.hidden_size).toBe(backbone.dim);
      expect(config.transferkit).toMatchObject({ pooling: variant.pooling, max_length: variant.maxLength, backbone_identity: backbone.identity });
      // No local paths in a folder that may be published.
      for (const path of [scratch.dir, backbone.model]) expect(JSON.stringify(config)).not.toContain(path);
      expect(JSON.parse(await readFile(join(out, 'tokenizer_config.json'), 'utf8')).model_max_length).toBe(variant.maxLength);
    });
  }

  it('an initializer override changes the output to exactly what a backbone with that weight gives', async () => {
    const name = 'encoder.layer.1.attention.self.query.weight';
    const modelDir = await tinyModelDir();
    const source = await readModelFile(join(modelDir, 'onnx', 'model.onnx'));
    const original = tensorFloats(initializerTensor(source.graph.initializer.find((i) => initializerTensor(i).name === name)!));
    const changed = original.map((v, i) => v + 0.25 * Math.sin(i));

    // The reference: the same backbone folder with the weight written into its model file.
    const referenceDir = join(scratch.dir, 'reference-backbone');
    await mkdir(join(referenceDir, 'onnx'), { recursive: true });
    for (const file of await readdir(modelDir)) if (/\.(json|txt)$/.test(file)) await copyFile(join(modelDir, file), join(referenceDir, file));
    const initializer = source.graph.initializer.map((i) => (initializerTensor(i).name === name ? floatTensor(name, [32, 32], changed) : i));
    await writeModelFile(join(referenceDir, 'onnx', 'model.onnx'), { ...source, graph: { ...source.graph, initializer } });

    const checkpoint = await saveRandomCheckpoint({ dir: join(scratch.dir, 'override'), backbone, pooling: 'mean', maxLength: 64, head: { type: 'mlp', hidden: [16], activation: 'gelu', dropout: 0 }, inputDim: backbone.dim, seed: 11 });
    const plain = join(scratch.dir, 'override-plain-onnx');
    const overridden = join(scratch.dir, 'override-onnx');
    await exportOnnx(checkpoint, plain);
    expect((await exportOnnx(checkpoint, overridden, { overrides: new Map([[name, changed]]) })).overridden).toBe(1);

    const referenceBackbone = await loadTextBackbone(referenceDir, { device: 'cpu' });
    const head = await TransferModel.loadFromCheckpoint(checkpoint, { withBackbone: false });
    try {
      const features = await referenceBackbone.extract(SINGLES, { pooling: 'mean', maxLength: 64 });
      const expected = await head.predictFeatures(features);
      const got = await exportedPredictions(overridden, SINGLES);
      expect(got.labels).toEqual(expected.labels);
      expect(maxDifference(got.probabilities, expected.probabilities)).toBeLessThanOrEqual(1e-5);
      // ...and the override did change the answer.
      expect(maxDifference(got.probabilities, (await exportedPredictions(plain, SINGLES)).probabilities)).toBeGreaterThan(1e-3);
    } finally {
      await referenceBackbone.dispose();
      await head.dispose();
    }
  });

  it('a model trained on another TransferKit model (model as backbone) exports as one graph and matches predict', async () => {
    const inner = await saveRandomCheckpoint({ dir: join(scratch.dir, 'inner'), backbone, pooling: 'mean', maxLength: 64, head: { type: 'mlp', hidden: [10], activation: 'gelu', dropout: 0 }, inputDim: backbone.dim, seed: 3 });
    const innerModel = await TransferModel.loadFromCheckpoint(inner, { withBackbone: false });
    const reference = innerModel.reference;
    await innerModel.dispose();
    const outer = await saveRandomCheckpoint({ dir: join(scratch.dir, 'outer'), backbone: reference, pooling: 'mean', maxLength: 64, head: { type: 'mlp', hidden: [6], activation: 'relu', dropout: 0 }, inputDim: reference.dim, seed: 4 });
    const out = join(scratch.dir, 'outer-onnx');
    await exportOnnx(outer, out);
    await expectSameAsPredict(outer, out, SINGLES);
    await expectSameAsPredict(outer, out, PAIRS);
  });
});
