/** Reading and atomically writing .onnx files, streaming the chunks so no second copy is made. */
import { readFile } from 'node:fs/promises';
import { atomicWriteStream } from '../../io/atomic.ts';
import { chunkBytes, type Chunk } from './protobuf.ts';
import { decodeModel, encodeModelChunks, type ModelProto } from './model.ts';

/** Small chunks are gathered into writes of about this size. */
const WRITE_BUFFER = 1 << 20;

/** Writes chunks to `path` via a temp sibling + fsync + rename; lazy chunks are produced one at a time. */
export async function writeChunksAtomic(path: string, chunks: readonly Chunk[]): Promise<void> {
  await atomicWriteStream(path, async (handle) => {
    const pending = new Uint8Array(WRITE_BUFFER);
    let used = 0;
    // A single write() may be partial; loop until every byte is down.
    const writeAll = async (bytes: Uint8Array) => {
      for (let offset = 0; offset < bytes.byteLength; ) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
        offset += bytesWritten;
      }
    };
    const flush = async () => {
      if (used > 0) await writeAll(pending.subarray(0, used));
      used = 0;
    };
    for (const chunk of chunks) {
      const bytes = chunkBytes(chunk);
      if (bytes.byteLength + used <= WRITE_BUFFER) {
        pending.set(bytes, used);
        used += bytes.byteLength;
        continue;
      }
      await flush();
      if (bytes.byteLength < WRITE_BUFFER) {
        pending.set(bytes, 0);
        used = bytes.byteLength;
      } else {
        await writeAll(bytes);
      }
    }
    await flush();
  });
}

export async function writeModelFile(path: string, model: ModelProto): Promise<void> {
  await writeChunksAtomic(path, encodeModelChunks(model));
}

/** Reads and decodes a model; initializers stay as views of the file buffer. */
export async function readModelFile(path: string): Promise<ModelProto> {
  return decodeModel(await readFile(path));
}
