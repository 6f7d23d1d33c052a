import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTrainConfig, fit, TrainerControl, type RunEvent } from '../../src/train/index.ts';
import { blobs, xor } from './synthetic.ts';
import { checkpointFolder } from '../../src/checkpoint/folder-store.ts';

const labelNames = ['a', 'b', 'c'];

describe('TrainerControl and callbacks', () => {
  it('honours save-now, eval-now, pause and stop (saving a resumable checkpoint)', async () => {
    const checkpointDir = await mkdtemp(join(tmpdir(), 'tk-control-'));
    const control = new TrainerControl();
    const events: RunEvent[] = [];
    let steps = 0;
    const result = await fit({
      train: blobs(320, 6, 3, 61),
      validation: { dev: blobs(60, 6, 3, 62) },
      labelNames,
      head: { type: 'linear' },
      config: { ...defaultTrainConfig(), epochs: 5 },
      checkpoints: checkpointFolder(checkpointDir),
      control,
      tfBackend: 'cpu',
      emit: (event) => {
        events.push(event);
        if (event.type !== 'step') return;
        steps++;
        if (steps === 3) control.requestSave();
        if (steps === 4) control.requestEval();
        if (steps === 5) {
          control.pause();
          setTimeout(() => control.resume(), 20);
        }
        if (steps === 15) control.stop();
      },
    });
    result.head.dispose();
    const summary = events.filter((e) => e.type !== 'step').map((e) => (e.type === 'checkpoint' ? `checkpoint:${e.reason}@${e.step}` : e.type === 'paused' ? `paused:${e.paused}` : e.type));
    expect(summary).toEqual([
      'epoch-start',
      'checkpoint:manual@3',
      'evaluation',
      'paused:true',
      'paused:false',
      'checkpoint:best@10',
      'checkpoint:last@10',
      'epoch-end',
      'epoch-start',
      'checkpoint:interrupt@15',
      'run-end',
    ]);
    expect(result.interrupted).toBe(true);
    expect(result.train.steps).toBe(15);
    expect(result.lastCheckpoint).toBe(join(checkpointDir, 'last'));
    const resumed = await fit({ train: blobs(320, 6, 3, 61), validation: { dev: blobs(60, 6, 3, 62) }, labelNames, head: { type: 'linear' }, config: { ...defaultTrainConfig(), epochs: 5 }, checkpoints: checkpointFolder(checkpointDir), resume: true, tfBackend: 'cpu' });
    expect(resumed.train.steps).toBe(50);
    expect(resumed.interrupted).toBe(false);
    resumed.head.dispose();
  });

  it('saves and evaluates while paused (s and e work without resuming first)', async () => {
    const checkpointDir = await mkdtemp(join(tmpdir(), 'tk-control-paused-'));
    const control = new TrainerControl();
    const events: RunEvent[] = [];
    let steps = 0;
    const result = await fit({
      train: blobs(320, 6, 3, 61),
      validation: { dev: blobs(60, 6, 3, 62) },
      labelNames,
      head: { type: 'linear' },
      config: { ...defaultTrainConfig(), epochs: 1 },
      checkpoints: checkpointFolder(checkpointDir),
      control,
      tfBackend: 'cpu',
      emit: (event) => {
        events.push(event);
        if (event.type === 'step' && ++steps === 2) {
          control.pause();
          setTimeout(() => control.requestSave(), 10);
          setTimeout(() => control.requestEval(), 20);
          // Resumes only once both were carried out while paused.
          const waitForBoth = () => (events.some((e) => e.type === 'evaluation') && events.some((e) => e.type === 'checkpoint') ? control.resume() : setTimeout(waitForBoth, 10));
          setTimeout(waitForBoth, 30);
          setTimeout(() => control.resume(), 2000);
        }
      },
    });
    result.head.dispose();
    const summary = events.filter((e) => e.type !== 'step').map((e) => (e.type === 'checkpoint' ? `checkpoint:${e.reason}@${e.step}` : e.type === 'paused' ? `paused:${e.paused}` : e.type));
    expect(summary.slice(0, 5)).toEqual(['epoch-start', 'paused:true', 'checkpoint:manual@2', 'evaluation', 'paused:false']);
    expect(result.train.steps).toBe(10);
  });

  it('stops early when the monitor stops improving and keeps the best checkpoint', async () => {
    const checkpointDir = await mkdtemp(join(tmpdir(), 'tk-early-'));
    const events: RunEvent[] = [];
    // A linear head cannot learn XOR: dev accuracy plateaus near chance within a few epochs.
    const result = await fit({
      train: xor(400, 3, 71),
      validation: { dev: xor(200, 3, 72) },
      labelNames: ['same', 'differ'],
      head: { type: 'linear' },
      config: { ...defaultTrainConfig(), epochs: 40, earlyStopping: { monitor: 'dev/loss', patience: 2, minDelta: 0.01 } },
      checkpoints: checkpointFolder(checkpointDir),
      tfBackend: 'cpu',
      emit: (e) => events.push(e),
    });
    result.head.dispose();
    expect(result.stoppedEarly).toBe(true);
    expect(result.train.epochs).toBeLessThan(40);
    const stop = events.find((e) => e.type === 'early-stop');
    expect(stop).toMatchObject({ monitor: 'dev/loss', epoch: result.train.epochs });
    const bestEvents = events.filter((e) => e.type === 'checkpoint' && e.reason === 'best');
    expect(bestEvents.length).toBeGreaterThan(0);
    expect(existsSync(join(checkpointDir, 'best', 'manifest.json'))).toBe(true);
    expect(result.bestCheckpoint).toBe(join(checkpointDir, 'best'));
  });

  it('rejects a monitor that names no validation set', async () => {
    await expect(
      fit({ train: blobs(30, 2, 3, 1), validation: { dev: blobs(9, 2, 3, 2) }, labelNames, head: { type: 'linear' }, config: { ...defaultTrainConfig(), earlyStopping: { monitor: 'matched/accuracy', patience: 1, minDelta: 0 } }, tfBackend: 'cpu' }),
    ).rejects.toThrow("monitor 'matched/accuracy' names no validation set (have: train, dev)");
  });
});
