/**
 * Issue 10, must-show: the README's library snippet runs as written right after `npm start`, in the same
 * folder (it used to fail on the `runs/demo` folder npm start had just filled).
 */
import { execFile } from 'node:child_process';
import { readFile, symlink, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli-run.ts';
import { copyNpmStartRun, npmStartRun } from '../helpers/npm-start.ts';
import { scratchFolder, TEST_CACHE_DIR } from '../helpers/tiny-model.ts';

const exec = promisify(execFile);

/** The first ```ts block under the README's "## Library" heading. */
async function librarySnippet(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library\n'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README.md has no ```ts block under ## Library');
  return match[1];
}

describe('README library snippet', () => {
  const scratch = scratchFolder('transferkit-readme-');

  it('runs as written after npm start, in the same folder', async () => {
    // npm start's own command line (package.json), run once per test run in a scratch folder instead of
    // the repository; this folder gets what it wrote.
    const started = await npmStartRun();
    expect(started.script.split(' ').slice(0, 2)).toEqual(['node', 'bin/transferkit.js']);
    expect(started.stderr).not.toMatch(/error/);
    expect(started.code).toBe(0);
    await copyNpmStartRun(started, scratch.dir);

    // `import … from 'transferkit'` resolves as in a project that installed it.
    await mkdir(join(scratch.dir, 'node_modules'), { recursive: true });
    await symlink(REPO_ROOT, join(scratch.dir, 'node_modules', 'transferkit'), 'dir');
    const file = join(scratch.dir, 'snippet.mts');
    await writeFile(file, `${await librarySnippet()}\nconsole.log(JSON.stringify({ labels, probabilities: probabilities.map((row) => Array.from(row)), dim: extractor.dim }));\n`);
    const { stdout } = await exec(process.execPath, [join(REPO_ROOT, 'bin/run-ts.js'), file], {
      cwd: scratch.dir,
      env: { ...process.env, TRANSFERKIT_CACHE: TEST_CACHE_DIR, HF_HUB_OFFLINE: '1', NO_COLOR: '1' },
      timeout: 240_000,
    });
    const printed = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(printed.labels).toHaveLength(1);
    expect(['entailment', 'neutral', 'contradiction']).toContain(printed.labels[0]);
    expect(printed.probabilities[0].reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
    expect(printed.dim).toBeGreaterThan(0);
  }, 300_000);
});
