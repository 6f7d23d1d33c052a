import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { usageError } from '../errors.ts';

/**
 * Checks before any work that the folders above `path` can hold it: the nearest one that exists must be a
 * directory (otherwise the write fails only after the whole computation, with a bare EEXIST / ENOTDIR).
 */
export async function checkOutputParent(path: string, flag: string): Promise<void> {
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => null);
    if (info) {
      if (!info.isDirectory()) throw usageError(`cannot write '${path}': ${dir} is a file, not a directory`, flag);
      return;
    }
    if (dirname(dir) === dir) return;
  }
}

/** checkOutputParent, and `path` itself must not be a directory (a file is written there). */
export async function checkOutputFile(path: string, flag: string): Promise<void> {
  if ((await stat(path).catch(() => null))?.isDirectory()) throw usageError(`'${path}' is a directory; give a file name`, flag);
  await checkOutputParent(path, flag);
}

/** checkOutputParent, and `path` itself must not be a file (a directory is written there). */
export async function checkOutputDir(path: string, flag: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (info && !info.isDirectory()) throw usageError(`'${path}' is a file; give a directory`, flag);
  await checkOutputParent(path, flag);
}
