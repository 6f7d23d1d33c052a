/**
 * Many processes, one feature cache: the two Must-show tests. Workers are real `transferkit`
 * processes (as pods of a Kubernetes Indexed Job would be) sharing one TRANSFERKIT_CACHE folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli-run.ts';
import { scratchFolder, tinyModelDir } from '../helpers/tiny-model.ts';

const TRAIN = 'bundled:nli-tiny/train'; // 3,000 pairs
const VALIDATION = 'bundled:nli-tiny/validation'; // 600 pairs

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** `transferkit ARGS` as its own process (so it can be killed), with the given cache folder. */
function start(args: string[], cache: string, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/transferkit.js'), ...args], {
    env: { ...process.env, NO_COLOR: '1', CI: 'true', HF_HUB_OFFLINE: '1', TRANSFERKIT_CACHE: cache, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  return { child, done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) };
}

const entryDirs = async (cache: string) => (await readdir(join(cache, 'features'))).map((name) => join(cache, 'features', name));
const payload = (bytes: Buffer) => bytes.subarray(bytes.indexOf(10) + 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('one feature cache, many processes', () => {
  const scratch = scratchFolder('transferkit-shared-cache-');

  it('concurrency stress: 3 processes extract one key on a cold cache; all succeed, features equal a single run byte for byte, no temp files, passes <= 1.5x rows', async () => {
    const model = await tinyModelDir();
    const args = ['extract', '--model', model, '--data', TRAIN, '--max-samples', '1200', '--chunk-rows', '50', '--json'];
    const shared = join(scratch.dir, 'stress-cache');
    const single = join(scratch.dir, 'single-cache');
    // The single-process run has a cache of its own, so it can run alongside.
    const [alone, ...runs] = await Promise.all([start(args, single).done, ...[0, 1, 2].map(() => start(args, shared).done)]);
    for (const run of [alone, ...runs]) expect(run.code, run.stderr).toBe(0);
    const outcomes = runs.map((run) => JSON.parse(run.stdout) as { computed_rows: number; rows: number });
    const passes = outcomes.reduce((sum, o) => sum + o.computed_rows, 0);
    expect(outcomes[0].rows).toBe(1200);
    expect(passes).toBeGreaterThanOrEqual(1200);
    expect(passes).toBeLessThanOrEqual(1.5 * 1200);
    expect(JSON.parse(alone.stdout).computed_rows).toBe(1200);
    const [sharedEntry] = await entryDirs(shared);
    const [singleEntry] = await entryDirs(single);
    const files = (await readdir(sharedEntry)).sort();
    expect(files.filter((f) => f.includes('.tmp-') || f.endsWith('.lock'))).toEqual([]);
    const chunks = files.filter((f) => f.startsWith('chunk-'));
    expect(chunks).toHaveLength(24);
    expect(chunks).toEqual((await readdir(singleEntry)).filter((f) => f.startsWith('chunk-')).sort());
    for (const chunk of chunks) {
      expect(payload(await readFile(join(sharedEntry, chunk))).equals(payload(await readFile(join(singleEntry, chunk)))), chunk).toBe(true);
    }
  }, 300_000);

  it('shard simulation: 4 workers as an Indexed Job, one SIGKILLed mid-shard and restarted; then full coverage, and finetune makes zero backbone passes with the eval of a single-process run', async () => {
    const model = await tinyModelDir();
    const shared = join(scratch.dir, 'job-cache');
    // A dead worker's chunk lock counts as stale after 3 s (the default, 5 minutes, suits slow batches and NFS, not a test).
    const env = (index: number) => ({ JOB_COMPLETION_INDEX: String(index), TRANSFERKIT_CACHE_LOCK_STALE_MS: '3000' });
    /** What each pod runs: its shard of the training set and of the validation set, the model loaded once. */
    const worker = (index: number) =>
      start(['extract', '--model', model, '--data', TRAIN, '--data', VALIDATION, '--shard', 'auto', '--shards', '4', '--chunk-rows', '50', '--extract-batch-size', '8', '--json'], shared, env(index));
    const outcomes = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line));

    // Worker 2's shard of the training set is chunks 30-44 (60 chunks of 50 rows): kill it once some are written.
    let killedAt = -1;
    const watchAndKill = async (run: Run) => {
      for (;;) {
        const dirs = await entryDirs(shared).catch(() => []);
        const written = (await Promise.all(dirs.map((dir) => readdir(dir).catch(() => [] as string[])))).flat().filter((f) => /^chunk-0000(3\d|4[0-4])\.f32$/.test(f));
        if (written.length > 0) {
          killedAt = written.length;
          run.child.kill('SIGKILL');
          return;
        }
        if (run.child.exitCode !== null) return;
        await sleep(20);
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    void watchAndKill(workers[2]);
    const results = await Promise.all(workers.map((run) => run.done));
    expect(results[2].signal).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(15);
    for (const index of [0, 1, 3]) {
      expect(results[index].code, results[index].stderr).toBe(0);
      expect(outcomes(results[index].stdout).map((o) => o.shard)).toEqual([`${index}/4`, `${index}/4`]);
    }

    // Before the restart: the shard is missing, and finetune says which instead of computing it.
    const partial = await runCli(scratch.dir, ['finetune', '--model', model, '--train', TRAIN, '--validation', `validation=${VALIDATION}`, '--output-dir', 'refused', '--no-ui'], { TRANSFERKIT_CACHE: shared });
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/error: --extract-missing: the features of 'train' \(bundled:nli-tiny\/train\) .* are incomplete: rows \d+-2249 \(shard 2\/4\) missing\. Run that shard again \(transferkit extract .* --shard 2\/4\), or pass --extract-missing/);

    const restarted = await worker(2).done;
    expect(restarted.code, restarted.stderr).toBe(0);
    const [train, validation] = outcomes(restarted.stdout);
    expect(train).toMatchObject({ shard: '2/4', start_row: 1500, end_row: 2250 });
    expect(train.computed_rows).toBeGreaterThan(0);
    expect(train.cached_rows).toBeGreaterThan(0);
    expect(validation).toMatchObject({ shard: '2/4', start_row: 300, end_row: 450, computed_rows: 150 });

    const status = await runCli(scratch.dir, ['cache', 'status', '--json'], { TRANSFERKIT_CACHE: shared });
    expect(status.code, status.stderr).toBe(0);
    const entries = (JSON.parse(status.stdout) as { entries: { rows: number; rowsCovered: number; complete: boolean; missing: string[]; shardPlans: number[] }[] }).entries;
    expect(entries.map((e) => [e.rows, e.rowsCovered, e.complete, e.missing, e.shardPlans]).sort()).toEqual([
      [3000, 3000, true, [], [4]],
      [600, 600, true, [], [4]],
    ]);

    const finetuneArgs = (out: string) => ['finetune', '--model', model, '--train', TRAIN, '--validation', `validation=${VALIDATION}`, '--epochs', '2', '--output-dir', out, '--no-ui'];
    const [sharded, single] = await Promise.all([
      runCli(scratch.dir, finetuneArgs('sharded'), { TRANSFERKIT_CACHE: shared }),
      runCli(scratch.dir, finetuneArgs('single'), { TRANSFERKIT_CACHE: join(scratch.dir, 'fresh-cache') }),
    ]);
    expect(sharded.code, sharded.stderr).toBe(0);
    expect(single.code, single.stderr).toBe(0);
    const results1 = JSON.parse(await readFile(join(scratch.dir, 'sharded', 'results.json'), 'utf8'));
    const results2 = JSON.parse(await readFile(join(scratch.dir, 'single', 'results.json'), 'utf8'));
    expect(results1.extraction.train).toMatchObject({ computedRows: 0, cached: true });
    expect(results1.extraction.validation).toMatchObject({ computedRows: 0, cached: true });
    expect(results2.extraction.train).toMatchObject({ computedRows: 3000, cached: false });
    expect(results1.eval).toEqual(results2.eval);
  }, 600_000);
});
