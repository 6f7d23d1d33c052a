import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, runFinetune } from '../../src/index.ts';
import { scratchRun } from '../helpers/tiny-model.ts';

describe('--overwrite-output-dir', () => {
  const run = scratchRun('transferkit-overwrite-');

  it('keeps the previous run when the new one fails before training (a mistyped --train)', async () => {
    const outputDir = join(run.dir, 'run');
    const config = { ...defaultFinetuneConfig(), model: run.model, outputDir, epochs: 1, maxTrainSamples: 200, maxEvalSamples: 100, tfBackend: 'cpu' };
    await runFinetune(config, { emit: () => {} });
    const results = await readFile(join(outputDir, 'results.json'), 'utf8');

    await expect(runFinetune({ ...config, overwrite: true, train: join(run.dir, 'no-such-file.tsv') }, { emit: () => {} })).rejects.toMatchObject({ kind: 'input' });
    expect(await readFile(join(outputDir, 'results.json'), 'utf8')).toBe(results);
    expect(existsSync(join(outputDir, 'checkpoint', 'best', 'manifest.json'))).toBe(true);
    expect(existsSync(join(outputDir, 'predictions-validation.jsonl'))).toBe(true);

    // A run that gets going replaces it.
    const replaced = await runFinetune({ ...config, overwrite: true, epochs: 2 }, { emit: () => {} });
    expect(replaced.train.epochs).toBe(2);
    expect(JSON.parse(await readFile(join(outputDir, 'results.json'), 'utf8')).train.epochs).toBe(2);
  });
});
