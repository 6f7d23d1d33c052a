import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, runFinetune, type RunEvent } from '../../src/index.ts';
import { scratchDir, tinyModelDir } from '../helpers/tiny-model.ts';

describe('runFinetune edges', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: string;
  const previousCache = process.env.TRANSFERKIT_CACHE;
  beforeAll(async () => {
    ({ dir, cleanup } = await scratchDir('transferkit-edges-'));
    model = await tinyModelDir();
    process.env.TRANSFERKIT_CACHE = join(dir, 'cache');
  });
  afterAll(async () => {
    if (previousCache === undefined) delete process.env.TRANSFERKIT_CACHE;
    else process.env.TRANSFERKIT_CACHE = previousCache;
    await cleanup();
  });
  const config = () => ({ ...defaultFinetuneConfig(), model, epochs: 1, maxTrainSamples: 200, maxEvalSamples: 100, tfBackend: 'cpu' });

  it('an --output-dir that is a file is a usage error before any work', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const events: RunEvent[] = [];
    await expect(runFinetune({ ...config(), outputDir: file }, { emit: (e) => events.push(e) })).rejects.toMatchObject({
      kind: 'usage',
      where: { flag: '--output-dir' },
      message: expect.stringContaining('is a file'),
    });
    expect(events).toEqual([]);
  });

  it('a split answered by the feature cache reports one progress event (cached), not a 0/s one first', async () => {
    await runFinetune({ ...config(), outputDir: join(dir, 'first') }, { emit: () => {} });
    const events: RunEvent[] = [];
    await runFinetune({ ...config(), outputDir: join(dir, 'second') }, { emit: (e) => events.push(e) });
    const progress = events.filter((e) => e.type === 'extract-progress');
    expect(progress).toEqual([
      { type: 'extract-progress', split: 'train', done: 200, total: 200, perSecond: 0, cached: true },
      { type: 'extract-progress', split: 'validation', done: 100, total: 100, perSecond: 0, cached: true },
    ]);
  });
});
