/**
 * Locks in the feature cache, through proper-lockfile (a maintained library: an atomic `mkdir` lock that
 * works on local disks and NFS, refreshed while held, and taken over once stale when its holder died).
 * Whoever holds the lock of a file owns its temp files: on taking the lock it removes the temps a dead
 * writer left for that file, and no process ever touches another file's temps.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * How long a lock may go unrefreshed before its holder counts as dead. Generous: the lock is refreshed from a
 * timer, and ONNX Runtime's Node binding runs a batch on the main thread, so one slow batch (bert-base, batch 32,
 * on a crowded CPU: half a minute) delays the refresh; NFS clocks drift too. A dead worker's chunk waits this long.
 */
export function lockStaleMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.TRANSFERKIT_CACHE_LOCK_STALE_MS);
  return Number.isFinite(ms) && ms >= 2000 ? ms : 300_000;
}

export interface HeldLock {
  release(): Promise<void>;
  /** True when the lock went stale while held and another process may have taken it over. */
  readonly compromised: boolean;
}

/** The lock of `file`, or null when another live process holds it. */
export function tryLock(file: string): Promise<HeldLock | null> {
  return acquire(file, 0);
}

/** The lock of `file`, waiting for its holder to finish (or to be found dead). */
export async function waitLock(file: string): Promise<HeldLock> {
  return (await acquire(file, { forever: true, factor: 1.5, minTimeout: 100, maxTimeout: 2000 }))!;
}

/** Runs `fn` holding the lock of `file`. */
export async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const held = await waitLock(file);
  try {
    return await fn();
  } finally {
    await held.release();
  }
}

async function acquire(file: string, retries: number | object): Promise<HeldLock | null> {
  await mkdir(dirname(file), { recursive: true });
  const state = { compromised: false };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      stale: lockStaleMs(),
      retries: retries as number,
      // The default throws from a timer (an uncaught crash). A compromised writer still writes the same bytes
      // through a temp file and a rename, so the result stays whole; it only loses the guarantee of computing alone.
      onCompromised: () => void (state.compromised = true),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return null;
    throw error;
  }
  await removeTempsOf(file);
  return {
    get compromised() {
      return state.compromised;
    },
    release: () => release().catch(() => undefined),
  };
}

/** Temp files of `file` (atomicWriteFile names them `.<name>.tmp-<pid>-<random>`) left by a writer that died holding its lock. */
async function removeTempsOf(file: string): Promise<void> {
  const prefix = `.${basename(file)}.tmp-`;
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => name.startsWith(prefix)).map((name) => rm(join(dirname(file), name), { force: true })));
}
