import { hostname } from 'node:os';
import { mkdir, readFile, readdir, rm, rmdir, utimes } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { runtimeError } from '../errors.ts';
import { atomicWriteFile } from '../io/atomic.ts';

/** The lock proper-lockfile holds (a directory: mkdir is atomic on local disks and NFS alike). */
export const RUN_LOCK = '.transferkit-run.lock';
/** Who holds it: written beside the lock, because proper-lockfile removes its lock with rmdir. */
export const RUN_OWNER = '.transferkit-run.owner.json';

/**
 * proper-lockfile calls a lock stale when its mtime, which the owner refreshes every STALE_MS / 2, is
 * older than this. That works across hosts on a shared volume, where a pid cannot be checked; it is
 * long because a busy owner (a long synchronous TF.js step) refreshes late. On the owner's own host a
 * dead pid is certain sooner, so such a lock is taken over at once (see takeOverIfOwnerDied).
 */
const STALE_MS = 30_000;

export interface RunOwner {
  pid: number;
  host: string;
  started: string;
}

export interface RunLock {
  /** Frees the folder for the next run; throws if the lock was lost on the way (another run may have written here). */
  release(): Promise<void>;
}

/**
 * One run per output folder: a second run into `dir` fails with one line naming the run that holds it;
 * a lock whose owner died (SIGKILL, a lost machine) is taken over.
 */
export async function lockOutputDir(dir: string): Promise<RunLock> {
  const created = !existsSync(dir);
  await mkdir(dir, { recursive: true });
  let lost: Error | null = null;
  const options = {
    lockfilePath: join(dir, RUN_LOCK),
    realpath: false,
    stale: STALE_MS,
    retries: 0,
    // The default throws from a timer, which would end the process with a stack trace mid-run.
    onCompromised: (error: Error) => {
      lost = error;
    },
  };
  let unlock: () => Promise<void>;
  try {
    unlock = await lockfile.lock(dir, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const owner = await readOwner(dir);
    if (!(await takeOverIfOwnerDied(dir, owner))) {
      if (created) await rmdir(dir).catch(() => undefined);
      throw busyError(dir, owner);
    }
    unlock = await lockfile.lock(dir, options).catch(async (again: NodeJS.ErrnoException) => {
      if (again.code === 'ELOCKED') throw busyError(dir, await readOwner(dir)); // another run took it over first
      throw again;
    });
  }
  const owner: RunOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  await atomicWriteFile(join(dir, RUN_OWNER), JSON.stringify(owner) + '\n');

  return {
    async release() {
      if (lost) throw runtimeError(`lost the lock on ${dir} while writing it (${(lost as Error).message}); another run may have written there too`);
      await rm(join(dir, RUN_OWNER), { force: true });
      await unlock();
      // A run that stopped before writing anything leaves no empty folder behind.
      if (created && (await readdir(dir).catch(() => ['?'])).length === 0) await rmdir(dir).catch(() => undefined);
    },
  };
}

function busyError(dir: string, owner: RunOwner | null): Error {
  const who = owner ? `pid ${owner.pid} on ${owner.host}` : `its owner is still starting; lock ${join(dir, RUN_LOCK)}`;
  return runtimeError(`another run (${who}) is writing ${dir}; wait for it to finish, or choose another --output-dir`, { flag: '--output-dir' });
}

async function readOwner(dir: string): Promise<RunOwner | null> {
  // The owner writes this file just after taking the lock: give it a moment before saying it is unknown.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const owner = JSON.parse(await readFile(join(dir, RUN_OWNER), 'utf8')) as RunOwner;
      if (Number.isInteger(owner.pid) && typeof owner.host === 'string') return owner;
    } catch {
      // not written yet, or mid-rename
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

/**
 * A lock held by a process of this host that no longer exists is stale now, not after STALE_MS: its mtime
 * is set back to the epoch so that proper-lockfile's own stale path removes it and takes the lock.
 */
async function takeOverIfOwnerDied(dir: string, owner: RunOwner | null): Promise<boolean> {
  if (!owner || owner.host !== hostname() || isAlive(owner.pid)) return false;
  // Re-read just before: a run that took the lock over meanwhile must not lose it.
  const now = await readOwner(dir);
  if (!now || now.pid !== owner.pid || now.started !== owner.started) return false;
  await utimes(join(dir, RUN_LOCK), 0, 0).catch(() => undefined);
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}
