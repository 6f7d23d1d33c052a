import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, runFinetune, type RunEvent } from '../../src/index.ts';
import { scratchRun } from '../helpers/tiny-model.ts';

describe('runFinetune edges', () => {
  const run = scratchRun('transferkit-edges-');
  const config = () => ({ ...defaultFinetuneConfig(), model: run.model, epochs: 1, maxTrainSamples: 200, maxEvalSamples: 100, tfBackend: 'cpu' });

  it('an --output-dir that is a file is a usage error before any work', async () => {
    const file = join(run.dir, 'a-file');
    await writeFile(file, 'x');
    const events: RunEvent[] = [];
    await expect(runFinetune({ ...config(), outputDir: file }, { emit: (e) => events.push(e) })).rejects.toMatchObject({
      kind: 'usage',
      where: { flag: '--output-dir' },
      message: expect.stringContaining('is a file'),
    });
    expect(events).toEqual([]);
  });

  it('with a TransferKit model as --model, the run records the pooling and max length its features really had (the model\'s own)', async () => {
    const first = await runFinetune({ ...config(), pooling: 'mean', maxLength: 64, outputDir: join(run.dir, 'inner') }, { emit: () => {} });
    const events: RunEvent[] = [];
    const outer = await runFinetune({ ...config(), model: first.outputDir, outputDir: join(run.dir, 'outer') }, { emit: (e) => events.push(e) });
    const results = JSON.parse(await readFile(outer.resultsFile, 'utf8'));
    expect(results).toMatchObject({ pooling: 'mean', max_length: 64 });
    const manifest = JSON.parse(await readFile(join(outer.checkpoint!, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ pooling: 'mean', maxLength: 64 });
    expect(events[0]).toMatchObject({ type: 'run-start', config: { pooling: 'mean', maxLength: 64 } });
  });

  it('a split answered by the feature cache reports one progress event (cached), not a 0/s one first', async () => {
    await runFinetune({ ...config(), outputDir: join(run.dir, 'first') }, { emit: () => {} });
    const events: RunEvent[] = [];
    await runFinetune({ ...config(), outputDir: join(run.dir, 'second') }, { emit: (e) => events.push(e) });
    const progress = events.filter((e) => e.type === 'extract-progress');
    expect(progress).toEqual([
      { type: 'extract-progress', split: 'train', done: 200, total: 200, perSecond: 0, cached: true },
      { type: 'extract-progress', split: 'validation', done: 100, total: 100, perSecond: 0, cached: true },
    ]);
  });

  it('class weights reach the loss: weight only on contradiction and every prediction is contradiction', async () => {
    const outcome = await runFinetune({ ...config(), epochs: 2, lr: 0.05, classWeights: [0, 0, 1], outputDir: join(run.dir, 'weighted') }, { emit: () => {} });
    const predictions = (await readFile(join(outcome.outputDir, 'predictions-validation.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(predictions).toHaveLength(100);
    expect(new Set(predictions.map((p) => p.predicted))).toEqual(new Set(['contradiction']));
  });

  it('a class weight per class is checked against the labels before any feature is extracted', async () => {
    const events: RunEvent[] = [];
    await expect(runFinetune({ ...config(), classWeights: [1, 2], outputDir: join(run.dir, 'two-weights') }, { emit: (e) => events.push(e) })).rejects.toMatchObject({
      kind: 'usage',
      where: { flag: '--class-weights' },
      message: 'class weights must be 3 non-negative numbers (one per label); got 1,2',
    });
    expect(events).toEqual([]);
  });
});
