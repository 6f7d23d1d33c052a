import { beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, writeFile, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTf } from '../../src/heads/backend.ts';
import { Head } from '../../src/heads/head.ts';
import { saveCheckpoint } from '../../src/checkpoint/save.ts';
import { findCheckpointDir, loadCheckpoint } from '../../src/checkpoint/load.ts';
import { TransferModel } from '../../src/model/transfer-model.ts';
import { defaultTrainConfig, fit, predictProbabilities } from '../../src/train/index.ts';
import { Rng } from '../../src/core/index.ts';
import { blobs } from '../train/synthetic.ts';
import { checkpointFolder } from '../../src/checkpoint/folder-store.ts';

beforeAll(async () => {
  await initTf('cpu');
});

const labelNames = ['entailment', 'neutral', 'contradiction'];
const source = { backbone: null, pooling: 'cls' as const, maxLength: 128 };

async function savedHead(type: 'linear' | 'mlp' = 'mlp') {
  const dir = join(await mkdtemp(join(tmpdir(), 'tk-ckpt-')), 'model');
  const spec = type === 'mlp' ? { type, hidden: [7], activation: 'gelu' as const, dropout: 0.1, inputDim: 5, numClasses: 3 } : { type, inputDim: 5, numClasses: 3 };
  const head = Head.create(spec, new Rng(4));
  await saveCheckpoint(dir, { head, labelNames, source, training: null, metrics: null, epoch: 0, step: 0, tfBackend: 'cpu' });
  return { dir, head };
}

/** The one line the CLI would print for the error a promise rejects with. */
const errorLine = (promise: Promise<unknown>) =>
  promise.then(
    () => 'loaded',
    (error: { line: string }) => error.line,
  );

describe('checkpoints', () => {
  it('round-trips a trained head to bit-identical probabilities', async () => {
    const checkpointDir = await mkdtemp(join(tmpdir(), 'tk-ckpt-'));
    const data = blobs(300, 6, 3, 21);
    const result = await fit({
      train: data,
      validation: { dev: blobs(90, 6, 3, 22) },
      labelNames,
      head: { type: 'mlp', hidden: [12], activation: 'tanh', dropout: 0.2 },
      config: { ...defaultTrainConfig(), epochs: 2, saveBest: false },
      checkpoints: checkpointFolder(checkpointDir, source),
      tfBackend: 'cpu',
    });
    const expected = await predictProbabilities(result.head, data.features);
    // A run folder resolves to its best/ (else last/) checkpoint; saveBest is off here, so last/.
    const model = await TransferModel.loadFromCheckpoint(checkpointDir);
    expect(model.dir).toBe(result.lastCheckpoint);
    const prediction = await model.predictFeatures(data.features);
    const got = new Float32Array(prediction.probabilities.length * 3);
    prediction.probabilities.forEach((row, i) => got.set(row, i * 3));
    expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    expect(prediction.labels[0]).toBe(labelNames[prediction.labelIndices[0]]);
    const manifest = JSON.parse(await readFile(join(result.lastCheckpoint!, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'transferkit-checkpoint', formatVersion: 2, labelNames, pooling: 'cls', maxLength: 128, epoch: 2, tfBackend: 'cpu' });
    expect(manifest.versions.tfjs).toBe('4.22.0');
    expect(manifest.versions.transformers).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.weights.tensors.map((t: { name: string }) => t.name)).toEqual(['dense_0/kernel', 'dense_0/bias', 'classifier/kernel', 'classifier/bias']);
    expect(manifest.metrics.eval.dev.accuracy).toBe(result.eval.dev.accuracy);
    result.head.dispose();
    await model.dispose();
  });

  it('a finetune output folder resolves to its checkpoint/ (best, else last), as --checkpoint and --model take it', async () => {
    const outputDir = await mkdtemp(join(tmpdir(), 'tk-run-'));
    const last = join(outputDir, 'checkpoint', 'last');
    const head = Head.create({ type: 'linear', inputDim: 5, numClasses: 3 }, new Rng(4));
    await saveCheckpoint(last, { head, labelNames, source, training: null, metrics: null, epoch: 1, step: 3, tfBackend: 'cpu' });
    head.dispose();
    expect(findCheckpointDir(outputDir)).toBe(last);
    expect((await loadCheckpoint(outputDir)).dir).toBe(last);
    expect(findCheckpointDir(join(outputDir, 'checkpoint'))).toBe(last);
    expect(findCheckpointDir(join(outputDir, 'nothing'))).toBeNull();
  });

  it('names the file when weights.bin is truncated', async () => {
    const { dir, head } = await savedHead();
    await truncate(join(dir, 'weights.bin'), 40);
    expect(await errorLine(loadCheckpoint(dir))).toMatch(/weights\.bin: checkpoint data is 40 bytes but the manifest says \d+; the file is truncated/);
    head.dispose();
  });

  it('detects an altered weight byte by its checksum', async () => {
    const { dir, head } = await savedHead('linear');
    const bytes = await readFile(join(dir, 'weights.bin'));
    bytes[3] ^= 1;
    await writeFile(join(dir, 'weights.bin'), bytes);
    expect(await errorLine(TransferModel.loadFromCheckpoint(dir))).toMatch(/weights\.bin: checkpoint data does not match its sha256/);
    head.dispose();
  });

  it('rejects damaged or inconsistent manifests with a clear line', async () => {
    const { dir, head } = await savedHead();
    const path = join(dir, 'manifest.json');
    const original = JSON.parse(await readFile(path, 'utf8'));
    const attempt = async (manifest: unknown) => {
      await writeFile(path, typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
      return loadCheckpoint(dir).then(
        () => 'loaded',
        (error: { line: string }) => error.line,
      );
    };
    expect(await attempt(JSON.stringify(original).slice(0, 100))).toMatch(/manifest\.json: checkpoint manifest is not valid JSON .* truncated or damaged/);
    expect(await attempt({ ...original, formatVersion: 3 })).toMatch(/format version 3 is not supported/);
    // A version-1 checkpoint (no backbone weights) still loads.
    const { backboneWeights: _none, ...v1 } = original;
    expect(await attempt({ ...v1, formatVersion: 1 })).toBe('loaded');
    expect(await attempt({ ...original, labelNames: ['a', 'b'] })).toMatch(/head has 3 outputs but there are 2 label names/);
    expect(await attempt({ ...original, head: { ...original.head, hidden: [8] } })).toMatch(/tensor 0 is 'dense_0\/kernel' \[5,7\]; the head config needs 'dense_0\/kernel' \[5,8\]/);
    const shifted = structuredClone(original);
    shifted.weights.tensors[1].offset += 4;
    expect(await attempt(shifted)).toMatch(/tensor 'dense_0\/bias' should span bytes/);
    expect(await attempt({ ...original, head: { ...original.head, activation: 'swish' } })).toMatch(/'head.activation' must be one of relu, gelu, tanh/);
    expect(await attempt(original)).toBe('loaded');
    expect(await errorLine(loadCheckpoint(join(dir, 'nope')))).toMatch(/nope: checkpoint folder does not exist/);
    await mkdir(join(dir, 'empty'));
    expect(await errorLine(loadCheckpoint(join(dir, 'empty')))).toMatch(/empty: not a TransferKit checkpoint: manifest\.json is missing/);
    head.dispose();
  });
});
