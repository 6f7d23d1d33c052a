/** Runs one benchmark process under GNU time: its wall time, peak RSS, output and `RESULT {json}` line. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface ChildRun<T> {
  command: string;
  wallSeconds: number;
  /** Peak resident set size of the process (GNU time's %M), bytes; null where GNU time is missing. */
  peakRssBytes: number | null;
  stdout: string;
  result?: T;
}

const GNU_TIME = '/usr/bin/time';
const ROOT = resolve(import.meta.dirname, '..');
const RSS_MARK = 'tk-bench-maxrss-kb=';

/** `node <script> args…` from the repository root; throws with its stderr tail when it fails. */
export async function runNode<T = unknown>(script: string, args: string[]): Promise<ChildRun<T>> {
  const withTime = existsSync(GNU_TIME);
  const argv = ['node', script, ...args];
  const [file, ...rest] = withTime ? [GNU_TIME, '-f', `${RSS_MARK}%M`, ...argv] : argv;
  const command = argv.join(' ');
  const started = performance.now();
  const child = spawn(file, rest, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${command} exited ${code}:\n${stderr.slice(-2000)}`);
  const rss = new RegExp(`${RSS_MARK}(\\d+)`).exec(stderr);
  const resultLine = stdout.split('\n').find((line) => line.startsWith('RESULT '));
  return {
    command,
    wallSeconds,
    peakRssBytes: rss ? Number(rss[1]) * 1024 : null,
    stdout,
    result: resultLine ? (JSON.parse(resultLine.slice('RESULT '.length)) as T) : undefined,
  };
}
