import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const repoRoot = resolve(import.meta.dirname, '../..');
const script = 'test/fixtures-train/train-run.ts';

interface Run {
  events: Record<string, any>[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Spawns the training script; `onEvent` may return true to SIGKILL it at once. */
function run(args: string[], onEvent: (event: Record<string, any>) => boolean = () => false): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Record<string, any>[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line);
      events.push(event);
      if (onEvent(event)) child.kill('SIGKILL');
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      if (code !== 0 && signal === null) fail(new Error(`training script failed (${code}): ${stderr}`));
      else done({ events, code, signal });
    });
  });
}

describe('resume', () => {
  it('continues a SIGKILLed run from its last checkpoint and ends with the uninterrupted run\'s metrics', async () => {
    const [straightDir, killedDir] = await Promise.all([mkdtemp(join(tmpdir(), 'tk-resume-a-')), mkdtemp(join(tmpdir(), 'tk-resume-b-'))]);
    const straight = await run([straightDir]);
    const expected = straight.events.at(-1)!;
    expect(expected.type).toBe('run-end');

    // 25 steps per epoch; a checkpoint every 10 steps. Pause after global step 33 (epoch 2, step 8),
    // so the last checkpoint is step 30 and three steps of work are lost by the kill.
    const killed = await run([killedDir, '--pause-at-step', '33'], (event) => event.type === 'paused' && event.paused);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.events.some((e) => e.type === 'run-end')).toBe(false);
    const checkpoints = killed.events.filter((e) => e.type === 'checkpoint' && e.reason === 'last');
    expect(checkpoints.at(-1)).toMatchObject({ step: 30, epoch: 1 });

    const resumed = await run([killedDir, '--resume']);
    const firstStep = resumed.events.find((e) => e.type === 'step')!;
    expect(firstStep).toMatchObject({ epoch: 2, step: 6 });
    expect(resumed.events.filter((e) => e.type === 'step')).toHaveLength(75 - 30);
    const final = resumed.events.at(-1)!;
    expect(final.type).toBe('run-end');
    expect(final.results.eval).toEqual(expected.results.eval);
    expect(final.results.train.loss).toBe(expected.results.train.loss);
    expect(final.results.train.accuracy).toBe(expected.results.train.accuracy);
    expect(final.results.train.steps).toBe(75);
    expect(expected.results.eval.matched.accuracy).toBeGreaterThan(0.5);
  });
});
