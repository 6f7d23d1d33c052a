/**
 * Ctrl-C during feature extraction: the run stops with exit 130 and one line, the finished cache
 * chunks stay, and the next run extracts only the rest.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchFolder, tinyModelDir } from '../helpers/tiny-model.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

function finetune(args: string[], env: NodeJS.ProcessEnv, interruptWhen?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/transferkit.js'), 'finetune', ...args], { env: { ...process.env, ...env } });
    let stderr = '';
    let stdout = '';
    let sent = false;
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
      if (interruptWhen && !sent && interruptWhen.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('Ctrl-C during feature extraction', () => {
  const scratch = scratchFolder('transferkit-interrupt-');

  it('exits 130 with one line, keeps the finished chunks, and the next run extracts only the rest', async () => {
    const rows = (await readFile(join(repoRoot, 'datasets/nli-tiny/train.tsv'), 'utf8')).trim().split('\n');
    // 12,000 pairs: long enough that the signal lands mid-extraction on any machine.
    const big = [rows[0], ...Array.from({ length: 4 }, (_, k) => rows.slice(1).map((r) => r.replace(/^/, `${k} `))).flat()];
    const train = join(scratch.dir, 'train.tsv');
    await writeFile(train, big.join('\n') + '\n');
    const env = { TRANSFERKIT_CACHE: join(scratch.dir, 'cache'), NO_COLOR: '1' };
    const args = ['--model', await tinyModelDir(), '--train', train, '--epochs', '1', '--output-dir', join(scratch.dir, 'run'), '--no-ui'];

    // The first progress line past the first 1,024-row chunk means one chunk is on disk.
    const stopped = await finetune(args, env, /extract train: (1[1-9]\d\d|[2-9]\d{3}|\d{5})\//);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/^error: stopped during feature extraction of 'train'; finished chunks are cached/m);
    expect(stopped.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const resumed = await finetune(args, env);
    expect(resumed.code).toBe(0);
    const results = JSON.parse(await readFile(join(scratch.dir, 'run', 'results.json'), 'utf8'));
    expect(results.extraction.train.rows).toBe(12000);
    expect(results.extraction.train.computedRows).toBeGreaterThan(0);
    expect(results.extraction.train.computedRows).toBeLessThan(12000);
    // What came from disk is whole 1,024-row chunks.
    expect((12000 - results.extraction.train.computedRows) % 1024).toBe(0);
  }, 120_000);

  it('Ctrl-C during training saves a checkpoint; --resume ends with the uninterrupted run\'s results', async () => {
    const env = { TRANSFERKIT_CACHE: join(scratch.dir, 'cache'), NO_COLOR: '1' };
    // 600 of the bundled 3,000 training pairs: 75 steps an epoch, so the signal after epoch 3 still lands
    // with 27 epochs to go, and the three runs cost a fifth of what the whole set did.
    const common = ['--model', await tinyModelDir(), '--pooling', 'mean', '--head', 'mlp', '--epochs', '30', '--batch-size', '8', '--lr', '3e-3', '--max-train-samples', '600', '--no-ui'];
    const whole = await finetune([...common, '--output-dir', join(scratch.dir, 'whole')], env);
    expect(whole.code).toBe(0);

    const out = join(scratch.dir, 'stopped');
    const stopped = await finetune([...common, '--output-dir', out], env, /epoch 3\/30 done/);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/checkpoint \(interrupt\) saved/);
    expect(stopped.stdout).toContain(`continue with: transferkit finetune --output-dir ${out} --resume`);
    const partial = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    expect(partial.interrupted).toBe(true);
    expect(partial.train.epochs).toBeLessThan(30);

    // The run saved its settings: --resume needs nothing but the folder.
    const resumed = await finetune(['--output-dir', out, '--resume', '--no-ui'], env);
    expect(resumed.code).toBe(0);
    const [a, b] = await Promise.all([join(scratch.dir, 'whole'), out].map(async (d) => JSON.parse(await readFile(join(d, 'results.json'), 'utf8'))));
    expect(b.interrupted).toBe(false);
    expect(b.train.epochs).toBe(30);
    expect(b.eval).toEqual(a.eval);
    expect(b.train.loss).toBe(a.train.loss);
  }, 180_000);
});
