import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'transferkit-main-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('transferkit CLI', () => {
  it('finetune --json ends its event stream with an error event when the run fails (and exits 2 for bad input)', () => {
    const result = spawnSync(
      process.execPath,
      ['bin/transferkit.js', 'finetune', '--model', 'bundled:tiny-bert', '--json', '--train', join(work, 'missing.tsv'), '--output-dir', join(work, 'failed')],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 60_000 },
    );
    expect(result.status).toBe(2);
    const events = result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
    expect(events.at(-1)).toEqual({ type: 'error', kind: 'input', message: 'file not found', where: { file: join(work, 'missing.tsv') } });
    expect(result.stderr.trim().split('\n')).toEqual([`error: ${join(work, 'missing.tsv')}: file not found`]);
  });

  it('stops with one line, not a stack trace, when the reader of --json goes away (finetune --json | head -1)', async () => {
    const child = spawn(
      process.execPath,
      ['bin/transferkit.js', 'finetune', '--model', 'bundled:tiny-bert', '--json', '--output-dir', join(work, 'run'), '--epochs', '50', '--max-length', '32'],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Read the first line, then close the pipe as `head -1` does.
    await new Promise<void>((done) => child.stdout.once('data', () => done()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((done) => child.on('close', (status) => done(status)));
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stderr.trim().split('\n')).toEqual(['error: stdout was closed (EPIPE): its reader went away; stopping']);
    expect(code).toBe(1);
  }, 60_000);
});
