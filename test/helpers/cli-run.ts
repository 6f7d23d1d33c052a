import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TEST_CACHE_DIR } from './tiny-model.ts';

const exec = promisify(execFile);
export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `transferkit ARGS` in `cwd` offline, with the shared test model cache; never throws on exit codes. */
export async function runCli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(REPO_ROOT, 'bin/transferkit.js'), ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', CI: 'true', TRANSFERKIT_CACHE: TEST_CACHE_DIR, HF_HUB_OFFLINE: '1', HF_HOME: join(cwd, 'hf-home'), ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
