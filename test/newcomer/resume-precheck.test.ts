/**
 * Issue 10 items 4 and 22: --resume checks every setting (run-config.json, the checkpoint, the TF.js
 * backend) before it loads data or a model; a finished run says so; --resume with --overwrite-output-dir
 * is a usage error.
 */
import { copyFile, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, type FinetuneConfig } from '../../src/run/config.ts';
import { runFinetune } from '../../src/run/finetune.ts';
import { TrainerControl, type RunEvent } from '../../src/train/events.ts';
import { scratchRun } from '../helpers/tiny-model.ts';

const bundledTrain = resolve(import.meta.dirname, '../../datasets/nli-tiny/train.tsv');

describe('--resume checks first', () => {
  const run = scratchRun('transferkit-resume-check-');

  const config = (name: string, overrides: Partial<FinetuneConfig> = {}): FinetuneConfig => ({
    ...defaultFinetuneConfig(),
    model: run.model,
    train: join(run.dir, `${name}.tsv`),
    validation: { dev: 'bundled:nli-tiny/validation' },
    maxTrainSamples: 120,
    maxEvalSamples: 60,
    maxLength: 32,
    epochs: 3,
    batchSize: 8,
    tfBackend: 'cpu',
    outputDir: join(run.dir, name),
    ...overrides,
  });

  /** A run stopped after 5 steps (a resumable last/), whose training file is then deleted. */
  async function interrupted(name: string, overrides: Partial<FinetuneConfig> = {}) {
    await copyFile(bundledTrain, join(run.dir, `${name}.tsv`));
    const control = new TrainerControl();
    let steps = 0;
    const first = await runFinetune(config(name, overrides), { control, emit: (e) => void (e.type === 'step' && ++steps === 5 && control.stop()) });
    expect(first.interrupted).toBe(true);
    await rm(join(run.dir, `${name}.tsv`));
  }

  it('a changed setting is refused before the data or the model is read (the training file is gone, and that is not the error)', async () => {
    await interrupted('changed');
    const events: RunEvent[] = [];
    const emit = (e: RunEvent) => events.push(e);
    await expect(runFinetune(config('changed', { maxLength: 64, resume: true }), { emit })).rejects.toMatchObject({
      kind: 'usage',
      where: { flag: '--resume' },
      message: expect.stringMatching(/^cannot resume: .*maxLength: 32 then, 64 now/),
    });
    await expect(runFinetune(config('changed', { epochs: 5, resume: true }), { emit })).rejects.toThrow(/epochs: 3 then, 5 now/);
    expect(events).toEqual([]);
  });

  it('--resume with --overwrite-output-dir is a usage error', async () => {
    await expect(runFinetune(config('both', { resume: true, overwrite: true }), { emit: () => {} })).rejects.toMatchObject({
      kind: 'usage',
      message: expect.stringMatching(/--overwrite-output-dir/),
    });
  });

  it('a finished run says it is finished and leaves results.json alone', async () => {
    await copyFile(bundledTrain, join(run.dir, 'done.tsv'));
    await runFinetune(config('done', { epochs: 1 }), { emit: () => {} });
    const results = join(run.dir, 'done', 'results.json');
    const [before, mtime] = [await readFile(results, 'utf8'), (await stat(results)).mtimeMs];
    await expect(runFinetune(config('done', { epochs: 1, resume: true }), { emit: () => {} })).rejects.toThrow(/is finished \(1\/1 epochs\).*results\.json/);
    expect(await readFile(results, 'utf8')).toBe(before);
    expect((await stat(results)).mtimeMs).toBe(mtime);
  });

  it('another TF.js backend is refused without force, and resumes with a notice with it', async () => {
    await interrupted('backend');
    await expect(runFinetune(config('backend', { tfBackend: 'wasm', resume: true }), { emit: () => {} })).rejects.toMatchObject({
      kind: 'usage',
      message: expect.stringMatching(/trained on the TF\.js 'cpu' backend.* 'wasm'.*--tf-backend cpu.*--force/),
    });
    await copyFile(bundledTrain, join(run.dir, 'backend.tsv'));
    const events: RunEvent[] = [];
    const resumed = await runFinetune(config('backend', { tfBackend: 'wasm', resume: true, force: true }), { emit: (e) => events.push(e) });
    expect(resumed.train.epochs).toBe(3);
    expect(events.filter((e) => e.type === 'notice').map((e) => (e as { message: string }).message)).toEqual([
      expect.stringMatching(/resuming on the TF\.js 'wasm' backend; the run was trained on 'cpu'/),
    ]);
  });
});
