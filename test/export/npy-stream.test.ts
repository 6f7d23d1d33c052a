import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, writeNpyStream } from '../../src/export/npy.ts';

async function* blocks(...parts: number[][]): AsyncGenerator<Float32Array> {
  for (const part of parts) yield Float32Array.from(part);
}

describe('writeNpyStream', () => {
  let dir: string;
  beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'tk-npy-stream-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes the same bytes as encodeNpy from blocks that arrive one at a time', async () => {
    const path = join(dir, 'm.npy');
    await writeNpyStream(path, [3, 2], blocks([1, 2, 3.5, -4], [5, 6]));
    const bytes = await readFile(path);
    expect(new Uint8Array(bytes)).toEqual(encodeNpy(Float32Array.from([1, 2, 3.5, -4, 5, 6]), [3, 2]));
    expect(Array.from(decodeNpy(bytes).data)).toEqual([1, 2, 3.5, -4, 5, 6]);
  });

  it('fails, leaving no file, when the blocks do not fill the shape (too few or too many)', async () => {
    await expect(writeNpyStream(join(dir, 'short.npy'), [3, 2], blocks([1, 2, 3]))).rejects.toThrow(/needs 6 values, got 3/);
    await expect(writeNpyStream(join(dir, 'long.npy'), [1, 2], blocks([1, 2], [3]))).rejects.toThrow(/needs 2 values, got more/);
    expect((await readdir(dir)).filter((name) => name !== 'm.npy')).toEqual([]);
  });
});
