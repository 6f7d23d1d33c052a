import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, runFinetune } from '../../src/index.ts';
import { scratchDir, tinyModelDir } from '../helpers/tiny-model.ts';

describe('--overwrite-output-dir', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: string;
  const previousCache = process.env.TRANSFERKIT_CACHE;
  beforeAll(async () => {
    ({ dir, cleanup } = await scratchDir('transferkit-overwrite-'));
    model = await tinyModelDir();
    process.env.TRANSFERKIT_CACHE = join(dir, 'cache');
  });
  afterAll(async () => {
    if (previousCache === undefined) delete process.env.TRANSFERKIT_CACHE;
    else process.env.TRANSFERKIT_CACHE = previousCache;
    await cleanup();
  });

  it('keeps the previous run when the new one fails before training (a mistyped --train)', async () => {
    const outputDir = join(dir, 'run');
    const config = { ...defaultFinetuneConfig(), model, outputDir, epochs: 1, maxTrainSamples: 200, maxEvalSamples: 100, tfBackend: 'cpu' };
    await runFinetune(config, { emit: () => {} });
    const results = await readFile(join(outputDir, 'results.json'), 'utf8');

    await expect(runFinetune({ ...config, overwrite: true, train: join(dir, 'no-such-file.tsv') }, { emit: () => {} })).rejects.toMatchObject({ kind: 'input' });
    expect(await readFile(join(outputDir, 'results.json'), 'utf8')).toBe(results);
    expect(existsSync(join(outputDir, 'checkpoint', 'best', 'manifest.json'))).toBe(true);
    expect(existsSync(join(outputDir, 'predictions-validation.jsonl'))).toBe(true);

    // A run that gets going replaces it.
    const replaced = await runFinetune({ ...config, overwrite: true, epochs: 2 }, { emit: () => {} });
    expect(replaced.train.epochs).toBe(2);
    expect(JSON.parse(await readFile(join(outputDir, 'results.json'), 'utf8')).train.epochs).toBe(2);
  });
});
