import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, runFinetune } from '../../src/index.ts';
import { lockOutputDir, RUN_LOCK, RUN_OWNER } from '../../src/run/output-lock.ts';
import { REPO_ROOT, runCli } from '../helpers/cli-run.ts';
import { scratchRun } from '../helpers/tiny-model.ts';

/** Another process that takes the folder's lock and hangs until killed. */
async function holdLock(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/run-ts.js'), join(REPO_ROOT, 'test/helpers/hold-output-lock.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (data: Buffer) => data.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

describe('one run per output folder', () => {
  const run = scratchRun('transferkit-output-lock-');
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  const config = (outputDir: string) => ({ ...defaultFinetuneConfig(), model: run.model, outputDir, epochs: 1, maxTrainSamples: 200, maxEvalSamples: 100, tfBackend: 'cpu' });

  it('a second run into a busy folder gets one line naming the owner, and touches nothing', async () => {
    const dir = join(run.dir, 'busy');
    const holder = await holdLock(dir);
    children.push(holder);
    const second = await runCli(run.dir, ['finetune', '--model', run.model, '--output-dir', dir, '--epochs', '1'], { TRANSFERKIT_CACHE: join(run.dir, 'tk-cache') });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`error: --output-dir: another run (pid ${holder.pid} on ${hostname()}) is writing ${dir}; wait for it to finish, or choose another --output-dir\n`);
    expect((await readdir(dir)).sort()).toEqual([RUN_LOCK, RUN_OWNER].sort());
  });

  it('a lock whose owner was killed (SIGKILL) is taken over at once, and the run leaves no lock behind', async () => {
    const dir = join(run.dir, 'killed');
    const holder = await holdLock(dir);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(existsSync(join(dir, RUN_LOCK))).toBe(true); // a fresh lock: only the dead pid says it is stale
    const outcome = await runFinetune(config(dir), { emit: () => {} });
    expect(outcome.checkpoint).toBeTruthy();
    expect(existsSync(join(dir, 'results.json'))).toBe(true);
    expect(existsSync(join(dir, RUN_LOCK))).toBe(false);
    expect(existsSync(join(dir, RUN_OWNER))).toBe(false);
  });

  it('in one process, the second lock is refused until the first is released', async () => {
    const dir = join(run.dir, 'same-process');
    const first = await lockOutputDir(dir);
    await expect(lockOutputDir(dir)).rejects.toThrow(`another run (pid ${process.pid} on ${hostname()}) is writing ${dir}`);
    await first.release();
    await (await lockOutputDir(dir)).release();
    expect(existsSync(dir)).toBe(false); // created by the lock, left empty: removed again
  });

  it('a lock from another host is trusted while fresh and taken over once its heartbeat is stale', async () => {
    const dir = join(run.dir, 'other-host');
    await mkdir(join(dir, RUN_LOCK), { recursive: true });
    await writeFile(join(dir, RUN_OWNER), JSON.stringify({ pid: 1, host: 'worker-7', started: new Date().toISOString() }));
    await expect(lockOutputDir(dir)).rejects.toThrow(`another run (pid 1 on worker-7) is writing ${dir}`);
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(join(dir, RUN_LOCK), minuteAgo, minuteAgo);
    const lock = await lockOutputDir(dir);
    expect(JSON.parse(await readFile(join(dir, RUN_OWNER), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await lock.release();
  });
});
