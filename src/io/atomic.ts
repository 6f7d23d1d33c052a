import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

/** A temp name in the same directory, so the final rename never crosses file systems. */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Streams a file into a temp sibling and renames it into place once complete and synced, so readers
 * see the old content or the whole new one, never a half; on failure the temp file is removed.
 */
export async function atomicWriteStream(path: string, fill: (handle: FileHandle) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  const handle = await open(tmp, 'w');
  try {
    await fill(handle);
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
}

/** atomicWriteStream for data already in memory. */
export async function atomicWriteFile(path: string, data: string | Uint8Array): Promise<void> {
  await atomicWriteStream(path, (handle) => handle.writeFile(data));
}

/** Where atomicWriteDir parks the previous directory while the new one is renamed into place. */
function replacedSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.replaced`);
}

/**
 * Where a reader finds the directory `path` without writing anything: `path` itself, or — in the instant
 * between atomicWriteDir's two renames, or after a crash there — the parked previous copy.
 */
export function readableDir(path: string): string {
  if (existsSync(path)) return path;
  const parked = replacedSibling(path);
  return existsSync(parked) ? parked : path;
}

/**
 * Finishes a directory replacement that a crash cut short (writers only; readers use readableDir): Linux cannot swap two directories in one
 * rename, so for an instant only the parked old copy exists. Put it back if the new one never landed;
 * drop it if the new one did.
 */
export async function recoverReplacedDir(path: string): Promise<void> {
  const parked = replacedSibling(path);
  if (!existsSync(parked)) return;
  if (existsSync(path)) await rm(parked, { recursive: true, force: true });
  else await rename(parked, path);
}

/**
 * Builds a directory in a temp sibling and renames it into place. An existing directory at `path` is
 * replaced only after the new one is complete; see recoverReplacedDir for the one unavoidable gap.
 */
export async function atomicWriteDir(path: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await recoverReplacedDir(path);
  const tmp = tempSibling(path);
  await mkdir(tmp);
  try {
    await fill(tmp);
    const parked = replacedSibling(path);
    let moved = false;
    try {
      await rename(path, parked);
      moved = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await rename(tmp, path);
    if (moved) await rm(parked, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
