import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { RawImage } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeResNetModel } from '../../src/fixtures/resnet.ts';
import { TransferModel } from '../../src/model/transfer-model.ts';
import { runFinetune } from '../../src/run/finetune.ts';
import { taskDefaults } from '../../src/run/config.ts';
import { scratchRun } from '../helpers/tiny-model.ts';
import { writeClassFolders } from './image-data.ts';

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, '../../bin/transferkit.js');

describe('image finetune: train, checkpoint, reload, predict', () => {
  const scratch = scratchRun('tk-image-finetune-');
  let modelDir: string;
  const data = (name: string) => join(scratch.dir, name);
  const imageConfig = () => ({
    ...taskDefaults('image-classification'),
    model: modelDir,
    train: data('train'),
    validation: { dev: data('dev') },
    tfBackend: 'cpu',
  });

  beforeAll(async () => {
    modelDir = join(scratch.dir, 'resnet');
    await makeResNetModel({ outDir: modelDir, seed: 3 });
    await writeClassFolders(data('train'), 8, 1);
    await writeClassFolders(data('dev'), 4, 2);
  });

  it('learns colour classes with the image defaults; the checkpoint records pooling, standardisation and the image backbone', async () => {
    const outcome = await runFinetune({ ...imageConfig(), outputDir: data('run') }, { emit: () => {} });
    // 24 training images, batch 32: one step per epoch, so 'auto' gives the 100-epoch ceiling.
    expect(outcome.train.epochs).toBe(100);
    expect(outcome.eval.dev.n).toBe(12);
    expect(outcome.eval.dev.accuracy).toBeGreaterThanOrEqual(11 / 12);
    const manifest = JSON.parse(readFileSync(join(outcome.checkpoint!, 'manifest.json'), 'utf8'));
    expect(manifest.pooling).toBe('pooler');
    expect(manifest.maxLength).toBeNull();
    expect(manifest.backbone).toMatchObject({ modality: 'image', dim: 16, preprocessing: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(manifest.standardize.mean).toHaveLength(16);
    const lines = readFileSync(join(outcome.outputDir, 'predictions-dev.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ index: 0, image: join(data('dev'), 'blue', '000.png'), gold: 'blue' });
  });

  it('loadFromCheckpoint -> freeze -> predict on paths, Buffers and RawImages gives the run\'s own probabilities', async () => {
    const model = await TransferModel.loadFromCheckpoint(data('run'), { tfBackend: 'cpu' });
    model.freeze();
    expect(model.frozen).toBe(true);
    const files = ['red', 'green', 'blue'].map((c) => join(data('dev'), c, '001.png'));
    const byPath = await model.predict(files);
    expect(byPath.labels).toEqual(['red', 'green', 'blue']);
    const byBuffer = await model.predict(files.map((f) => readFileSync(f)));
    const byRaw = await model.predict(await Promise.all(files.map((f) => RawImage.read(f))));
    expect(byBuffer.probabilities).toEqual(byPath.probabilities);
    expect(byRaw.probabilities).toEqual(byPath.probabilities);
    const written = readFileSync(join(data('run'), 'predictions-dev.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const row = written.find((w) => w.image === files[0]);
    expect(byPath.probabilities[0][0]).toBeCloseTo(row.probabilities[model.labelNames[0]], 6);
    await model.dispose();
  });

  it('a trained image model is the frozen feature extractor of the next; a text run shares the cache without collisions', async () => {
    const next = await runFinetune({ ...imageConfig(), model: data('run'), head: 'linear', outputDir: data('next') }, { emit: () => {} });
    expect(next.eval.dev.accuracy).toBeGreaterThanOrEqual(11 / 12);
    const manifest = JSON.parse(readFileSync(join(next.checkpoint!, 'manifest.json'), 'utf8'));
    expect(manifest.backbone).toMatchObject({ checkpoint: expect.stringContaining('run'), modality: 'image' });

    const cache = join(scratch.dir, 'cache', 'features');
    const before = readdirSync(cache).length;
    const text = await runFinetune({ ...taskDefaults('text-classification'), model: scratch.model, epochs: 1, maxTrainSamples: 64, maxEvalSamples: 32, outputDir: data('text'), tfBackend: 'cpu' }, { emit: () => {} });
    expect(text.eval.validation.n).toBe(32);
    expect(readdirSync(cache).length).toBe(before + 2); // its own train and validation entries
    const entries = readdirSync(cache).map((d) => JSON.parse(readFileSync(join(cache, d, 'entry.json'), 'utf8')).key.modality);
    expect(entries.filter((m) => m === 'text')).toHaveLength(2);
    // The image run again: every feature comes from the cache.
    const events: { type: string; cached?: boolean }[] = [];
    await runFinetune({ ...imageConfig(), outputDir: data('again') }, { emit: (e) => events.push(e as never) });
    expect(events.filter((e) => e.type === 'extract-end').map((e) => e.cached)).toEqual([true, true]);
  });

  it('CLI predict labels image files and a folder; eval reproduces the run on the class folders', async () => {
    const env = { ...process.env, TRANSFERKIT_CACHE: join(scratch.dir, 'cache'), TRANSFERKIT_TF_BACKEND: 'cpu' };
    const out = data('pred.jsonl');
    await run(process.execPath, [bin, 'predict', '--checkpoint', data('run'), '--output', out, join(data('dev'), 'red', '000.png'), join(data('dev'), 'green')], { env });
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => l.image)).toEqual([join(data('dev'), 'red', '000.png'), ...['000', '001', '002', '003'].map((n) => join(data('dev'), 'green', `${n}.png`))]);
    expect(lines.map((l) => l.label)).toEqual(['red', 'green', 'green', 'green', 'green']);
    const { stdout } = await run(process.execPath, [bin, 'eval', '--checkpoint', data('run'), '--data', data('dev'), '--json'], { env });
    const results = JSON.parse(readFileSync(join(data('run'), 'results.json'), 'utf8'));
    expect(JSON.parse(stdout).accuracy).toBe(results.eval.dev.accuracy);
  });
});
