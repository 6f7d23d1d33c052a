import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atomicWriteDir, atomicWriteFile, atomicWriteStream, recoverReplacedDir } from '../../src/io/atomic.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';

describe('atomic writes', () => {
  const scratch = scratchFolder('transferkit-atomic-');

  it('a failed stream leaves the old file and no temp file', async () => {
    const path = join(scratch.dir, 'a.txt');
    await atomicWriteFile(path, 'old');
    await expect(
      atomicWriteStream(path, async (handle) => {
        await handle.write('half of the new');
        throw new Error('disk on fire');
      }),
    ).rejects.toThrow('disk on fire');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect((await readdir(scratch.dir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a failed directory fill keeps the old directory', async () => {
    const path = join(scratch.dir, 'ckpt');
    await atomicWriteDir(path, (tmp) => writeFile(join(tmp, 'weights'), 'v1'));
    await expect(atomicWriteDir(path, async (tmp) => {
      await writeFile(join(tmp, 'weights'), 'v2-partial');
      throw new Error('killed');
    })).rejects.toThrow('killed');
    expect(await readFile(join(path, 'weights'), 'utf8')).toBe('v1');
    await atomicWriteDir(path, (tmp) => writeFile(join(tmp, 'weights'), 'v2'));
    expect(await readFile(join(path, 'weights'), 'utf8')).toBe('v2');
    expect((await readdir(scratch.dir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a crash between the two renames is recovered: the parked copy comes back', async () => {
    const path = join(scratch.dir, 'last');
    // The state a kill leaves after `last` was parked and before the new one was renamed in.
    const parked = join(scratch.dir, '.last.replaced');
    await mkdir(parked);
    await writeFile(join(parked, 'weights'), 'previous');
    expect(existsSync(path)).toBe(false);
    await recoverReplacedDir(path);
    expect(await readFile(join(path, 'weights'), 'utf8')).toBe('previous');
    expect(existsSync(parked)).toBe(false);
  });

  it('a crash after the new directory landed drops the parked copy', async () => {
    const path = join(scratch.dir, 'best');
    await atomicWriteDir(path, (tmp) => writeFile(join(tmp, 'weights'), 'new'));
    const parked = join(scratch.dir, '.best.replaced');
    await mkdir(parked);
    await writeFile(join(parked, 'weights'), 'old');
    await atomicWriteDir(path, (tmp) => writeFile(join(tmp, 'weights'), 'newer'));
    expect(await readFile(join(path, 'weights'), 'utf8')).toBe('newer');
    expect(existsSync(parked)).toBe(false);
  });
});
