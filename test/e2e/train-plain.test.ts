import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** Off a terminal (a pipe, CI), `train` has no setup screen and no Ink: it runs as `finetune` with the same flags. */

const repoRoot = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'transferkit-train-plain-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('transferkit train without a terminal', () => {
  it('runs with the flags, prints plain progress lines with no escape codes, and writes the checkpoint', () => {
    const outputDir = join(work, 'run');
    const result = spawnSync(
      process.execPath,
      ['bin/transferkit.js', 'train', '--output-dir', outputDir, '--epochs', '2', '--max-train-samples', '64', '--max-eval-samples', '32', '--max-length', '32'],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 120_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).not.toContain('new training run');
    expect(output).not.toMatch(/\u001B\[/);
    expect(output).toMatch(/^epoch 2\/2 done in .*validation .*acc \d\.\d{4}/m);
    expect(existsSync(join(outputDir, 'checkpoint'))).toBe(true);
    expect(result.stdout).toContain(`results: ${join(outputDir, 'results.json')}`);
    expect(existsSync(join(outputDir, 'results.json'))).toBe(true);
  });

  it('takes finetune\'s --json and --no-ui too (its help promises the same flags)', () => {
    const outputDir = join(work, 'json');
    const result = spawnSync(
      process.execPath,
      ['bin/transferkit.js', 'train', '--json', '--no-ui', '--output-dir', outputDir, '--epochs', '1', '--max-train-samples', '64', '--max-eval-samples', '32', '--max-length', '32'],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 120_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(events.at(-1).type).toBe('run-end');
  });

  it('rejects a bad flag with one line naming it and exit code 2', () => {
    const result = spawnSync(process.execPath, ['bin/transferkit.js', 'train', '--epochs', 'zero'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: --epochs.* must be a whole number >= 1, got 'zero'$/);
  });
});
