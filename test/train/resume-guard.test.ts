import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTrainConfig, fit, TrainerControl, type FitOptions } from '../../src/train/index.ts';
import { blobs } from './synthetic.ts';
import { checkpointFolder } from '../../src/checkpoint/folder-store.ts';

const labelNames = ['a', 'b', 'c'];
const backbone = { model: 'm', identity: 'local:sha256:abc', dim: 6 };
const sourceOf = (pooling: 'cls' | 'mean' = 'cls', maxLength = 128, identity = backbone.identity) => ({ backbone: { ...backbone, identity }, pooling, maxLength });

/** Trains 7 steps into `checkpointDir` and stops (a resumable `last/`), with the given feature source. */
async function interruptedRun(checkpointDir: string, base: FitOptions, source = sourceOf()) {
  const control = new TrainerControl();
  let steps = 0;
  const first = await fit({ ...base, checkpoints: checkpointFolder(checkpointDir, source), control, emit: (e) => void (e.type === 'step' && ++steps === 7 && control.stop()) });
  first.head.dispose();
  expect(first.interrupted).toBe(true);
}

describe('resume refuses features the interrupted run did not train on', () => {
  const options = (train = blobs(320, 6, 3, 61)): FitOptions => ({
    train,
    validation: { dev: blobs(60, 6, 3, 62) },
    labelNames,
    head: { type: 'linear' },
    config: { ...defaultTrainConfig(), epochs: 3 },
    tfBackend: 'cpu',
  });

  it('a different training set (e.g. another --max-train-samples)', async () => {
    const checkpointDir = await mkdtemp(join(tmpdir(), 'tk-resume-guard-'));
    await interruptedRun(checkpointDir, options());
    await expect(fit({ ...options(blobs(100, 6, 3, 61)), checkpoints: checkpointFolder(checkpointDir, sourceOf()), resume: true })).rejects.toMatchObject({
      kind: 'usage',
      where: { flag: '--resume' },
      message: expect.stringMatching(/training data differs .*320 rows.*100 rows/),
    });
    await expect(fit({ ...options(blobs(320, 6, 3, 99)), checkpoints: checkpointFolder(checkpointDir, sourceOf()), resume: true })).rejects.toThrow(/training data differs/);
    const resumed = await fit({ ...options(), checkpoints: checkpointFolder(checkpointDir, sourceOf()), resume: true });
    expect(resumed.train.steps).toBe(30);
    resumed.head.dispose();
  });

  it('another pooling, max length or backbone', async () => {
    const checkpointDir = await mkdtemp(join(tmpdir(), 'tk-resume-guard-'));
    await interruptedRun(checkpointDir, options());
    await expect(fit({ ...options(), checkpoints: checkpointFolder(checkpointDir, sourceOf('mean')), resume: true })).rejects.toThrow(/cannot resume: .*pooling/);
    await expect(fit({ ...options(), checkpoints: checkpointFolder(checkpointDir, sourceOf('cls', 64)), resume: true })).rejects.toThrow(/cannot resume: .*max length/);
    await expect(fit({ ...options(), checkpoints: checkpointFolder(checkpointDir, sourceOf('cls', 128, 'local:sha256:def')), resume: true })).rejects.toThrow(/cannot resume: .*backbone/);
  });

  it('a changed training setting is named with both values, and the way out', async () => {
    const checkpointDir = await mkdtemp(join(tmpdir(), 'tk-resume-guard-'));
    await interruptedRun(checkpointDir, options());
    const changed = options();
    await expect(fit({ ...changed, config: { ...changed.config, epochs: 5, learningRate: 0.01 }, checkpoints: checkpointFolder(checkpointDir, sourceOf()), resume: true })).rejects.toThrow(
      "cannot resume: training settings differ from the interrupted run (epochs: 3 then, 5 now; learningRate: 0.001 then, 0.01 now); resume with the flags the run was started with",
    );
  });
});
