/**
 * `npm start`, run once per `vitest run` and shared by the test files that check it or what it leaves
 * behind (the help examples, the README's library snippet, the layer-training margin). It trains for about
 * half a minute, and each of those files used to run it again. The first file that asks runs
 * package.json's start script, as written, in a fresh folder (instead of the repository) with a fresh
 * cache, offline, as CI does (CI=true: plain lines); the others wait for it (a lock in the run's
 * suite folder, see test/global-setup.ts) and read the recorded result.
 * The folder and cache are shared: read them, or copy them out before writing (`copyNpmStartRun`).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { withLock } from '../../src/features/cache-lock.ts';
import { REPO_ROOT } from './cli-run.ts';

export interface NpmStartRun {
  /** package.json's start script, as written there. */
  script: string;
  code: number;
  stdout: string;
  stderr: string;
  /** The folder it ran in: what it wrote (runs/demo) is there. */
  folder: string;
  /** Its TRANSFERKIT_CACHE (the bundled model and the features it extracted). */
  cache: string;
}

/** The start script's own launcher, which the run replaces by the repository's absolute path. */
const LAUNCHER = 'node bin/transferkit.js';

export async function npmStartRun(): Promise<NpmStartRun> {
  const base = join(inject('suiteDir'), 'npm-start');
  const resultFile = join(base, 'result.json');
  return withLock(base, async () => {
    if (!existsSync(resultFile)) await writeResult(base, resultFile, await runStartScript(base));
    return JSON.parse(await readFile(resultFile, 'utf8')) as NpmStartRun;
  });
}

/** Makes `folder` hold what npm start left in its own folder (runs/demo), for a test that writes next to it. */
export async function copyNpmStartRun(run: NpmStartRun, folder: string): Promise<void> {
  await cp(run.folder, folder, { recursive: true });
}

async function runStartScript(base: string): Promise<NpmStartRun> {
  const script: string = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')).scripts.start;
  const folder = join(base, 'project');
  const cache = join(base, 'cache');
  await mkdir(folder, { recursive: true });
  // Callers check the launcher themselves; a script that does not start with it runs as written (and fails).
  const command = script.startsWith(`${LAUNCHER} `) ? `"${process.execPath}" "${join(REPO_ROOT, 'bin/transferkit.js')}"${script.slice(LAUNCHER.length)}` : script;
  const env = { ...process.env, TRANSFERKIT_CACHE: cache, HF_HOME: join(base, 'hf'), HF_HUB_OFFLINE: '1', CI: 'true', NO_COLOR: '1' };
  return new Promise((done) => {
    execFile('bash', ['-c', command], { cwd: folder, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      done({ script, code: error ? Number(error.code ?? 1) : 0, stdout, stderr, folder, cache }),
    );
  });
}

async function writeResult(base: string, file: string, run: NpmStartRun): Promise<void> {
  const temp = join(base, 'result.json.tmp');
  await writeFile(temp, JSON.stringify(run));
  await rename(temp, file);
}
