/** Issue 10 items 11 and 20: a missing checkpoint folder is named as such; loading never writes. */
import { existsSync } from 'node:fs';
import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/checkpoint/load.ts';
import { saveCheckpoint } from '../../src/checkpoint/save.ts';
import { initTf } from '../../src/heads/backend.ts';
import { Head } from '../../src/heads/head.ts';
import { Rng } from '../../src/core/index.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';

const labelNames = ['a', 'b', 'c'];

async function save(dir: string, seed: number): Promise<void> {
  const head = Head.create({ type: 'linear', inputDim: 4, numClasses: 3 }, new Rng(seed));
  await saveCheckpoint(dir, { head, labelNames, source: { backbone: null, pooling: 'cls', maxLength: 16 }, training: null, metrics: null, epoch: seed, step: 0, tfBackend: 'cpu' });
  head.dispose();
}

/** Every path below `dir`, so a test can see that nothing was renamed, created or deleted. */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe('loading a checkpoint', () => {
  const scratch = scratchFolder('transferkit-ckpt-ro-');
  beforeAll(() => initTf('cpu'));

  it('a folder that does not exist is reported as missing, not as lacking manifest.json', async () => {
    const missing = join(scratch.dir, 'no-such-run');
    const error = await loadCheckpoint(missing).then(() => null, (e: { line: string; exitCode: number }) => e);
    expect(error?.line).toBe(`${missing}: checkpoint folder does not exist`);
    expect(error?.exitCode).toBe(2);
  });

  it('is read-only: mid-swap (the old copy parked, the new one not yet renamed in) it reads the parked copy and moves nothing', async () => {
    const run = join(scratch.dir, 'run');
    await save(join(run, 'best'), 1);
    await save(join(run, 'last'), 2);
    // The state a writer is in for an instant (or after a crash) between atomicWriteDir's two renames.
    await rename(join(run, 'best'), join(run, '.best.replaced'));
    const before = await tree(run);
    const loaded = await loadCheckpoint(join(run, 'best'));
    expect(loaded.manifest.epoch).toBe(1);
    // The run folder resolves to best/ (parked) rather than falling back to last/.
    expect((await loadCheckpoint(run)).manifest.epoch).toBe(1);
    expect(await tree(run)).toEqual(before);
    expect(existsSync(join(run, 'best'))).toBe(false);
  });

  it('the writer finishes an interrupted swap on its next save', async () => {
    const run = join(scratch.dir, 'writer');
    await save(join(run, 'best'), 1);
    await rename(join(run, 'best'), join(run, '.best.replaced'));
    await save(join(run, 'best'), 3);
    expect(await tree(run)).toEqual(['best', 'best/manifest.json', 'best/weights.bin']);
    expect((await loadCheckpoint(join(run, 'best'))).manifest.epoch).toBe(3);
  });
});
