/**
 * --resume with backbone layers training (--unfreeze-top): a `finetune` SIGKILLed mid-epoch, twice
 * (while the head trains alone, then while the top layer trains too), and resumed each time ends with
 * exactly the uninterrupted run's metrics and trained layer. That needs the layers' weights, their Adam
 * moments and their own step count (they join at --unfreeze-at-epoch), the schedule position and every
 * generator stream to come back from the checkpoint.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { readBackboneOverrides } from '../../src/checkpoint/load.ts';
import { REPO_ROOT } from '../helpers/cli-run.ts';
import { scratchFolder, tinyModelDir } from '../helpers/tiny-model.ts';

type Event = Record<string, any>;

/** `finetune --json ARGS`; `killWhen` sees each event and may return true to SIGKILL the process at once. */
function finetune(args: string[], env: NodeJS.ProcessEnv, killWhen: (event: Event) => boolean = () => false): Promise<{ events: Event[]; code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/transferkit.js'), 'finetune', ...args, '--json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Event[] = [];
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as Event;
      events.push(event);
      if (!killed && killWhen(event)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ events, code, signal, stderr }));
  });
}

const stepsOf = (events: Event[]) => events.filter((e) => e.type === 'step');

describe('finetune --unfreeze-top: SIGKILL mid-epoch, then --resume', () => {
  const scratch = scratchFolder('transferkit-unfreeze-resume-');

  it('ends with the uninterrupted run\'s metrics and layer weights, killed once in a head-only epoch and once while the layer trains', async () => {
    const env = { TRANSFERKIT_CACHE: join(scratch.dir, 'cache'), NO_COLOR: '1' };
    // 96 rows in batches of 8: 12 steps an epoch. Epoch 1 trains the head alone, epochs 2-3 the top layer
    // too (at a tenth of the head's learning rate), with warmup and decay. A resumable checkpoint after
    // every step: the kill below lands a few steps after the checkpoint that triggers it, and saving every
    // step keeps that within the same epoch even on a loaded machine.
    const settings = [
      '--model', await tinyModelDir(), '--unfreeze-top', '1', '--unfreeze-at-epoch', '1', '--epochs', '3',
      '--max-train-samples', '96', '--max-eval-samples', '32', '--batch-size', '8', '--save-steps', '1',
      '--pooling', 'mean', '--head', 'mlp', '--dropout', '0.2', '--lr', '3e-3', '--warmup-ratio', '0.1', '--tf-backend', 'wasm',
    ];
    const whole = join(scratch.dir, 'whole');
    const straight = await finetune([...settings, '--output-dir', whole], env);
    expect(straight.code, straight.stderr).toBe(0);

    const out = join(scratch.dir, 'killed');
    const midEpochCheckpoint = (epoch: number) => (e: Event) => e.type === 'checkpoint' && e.reason === 'last' && e.epoch === epoch - 1 && e.step > (epoch - 1) * 12;
    // Killed right after its first mid-epoch checkpoint of epoch 1: the layer has not trained yet.
    const first = await finetune([...settings, '--output-dir', out], env, midEpochCheckpoint(1));
    expect(first.signal).toBe('SIGKILL');
    expect(first.events.some((e) => e.type === 'run-end')).toBe(false);
    expect(first.events.filter((e) => e.type === 'epoch-start').map((e) => e.backboneTraining)).toEqual([null]);

    // Resumed mid-epoch 1, killed again mid-epoch 2 with the layer training (its own Adam steps behind the head's).
    const second = await finetune(['--output-dir', out, '--resume'], env, midEpochCheckpoint(2));
    expect(second.signal).toBe('SIGKILL');
    const resumedAt = stepsOf(second.events)[0]!;
    expect(resumedAt.epoch).toBe(1);
    expect(resumedAt.step).toBeGreaterThan(1);
    expect(second.events.filter((e) => e.type === 'epoch-start').map((e) => e.backboneTraining)).toEqual([null, 'layer 2']);

    const third = await finetune(['--output-dir', out, '--resume'], env);
    expect(third.code, third.stderr).toBe(0);
    expect(stepsOf(third.events)[0]).toMatchObject({ epoch: 2 });
    expect(stepsOf(third.events)[0]!.step).toBeGreaterThan(1);
    expect(stepsOf(third.events).length).toBeLessThan(24);

    const [a, b] = await Promise.all([whole, out].map(async (dir) => JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'))));
    expect(b.interrupted).toBe(false);
    expect(b.train.steps).toBe(36);
    expect(b.eval).toEqual(a.eval);
    expect(b.train.loss).toBe(a.train.loss);
    expect(b.train.accuracy).toBe(a.train.accuracy);
    const [layerA, layerB] = await Promise.all([whole, out].map((dir) => readBackboneOverrides(join(dir, 'checkpoint', 'last'))));
    expect(layerB.size).toBe(16);
    for (const [name, values] of layerA) expect(layerB.get(name), name).toEqual(values);
  }, 420_000);
});
