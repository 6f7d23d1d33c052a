import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

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

/**
 * Builds a directory in a temp sibling and renames it into place. An existing directory at `path` is
 * replaced only after the new one is complete.
 */
export async function atomicWriteDir(path: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  await mkdir(tmp);
  try {
    await fill(tmp);
    const old = tempSibling(path);
    let moved = false;
    try {
      await rename(path, old);
      moved = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await rename(tmp, path);
    if (moved) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
