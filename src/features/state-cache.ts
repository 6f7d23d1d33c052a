/**
 * On-disk cache of the lower part's hidden states (split execution): one file per (lower part, max
 * length, dataset, dtype) under `$TRANSFERKIT_CACHE/states`. Layout: a JSON header line, then the token
 * offsets (int32, N + 1) and the ragged [Σ len_i, H] values (float16 or float32), little-endian.
 * A file whose header or size does not match is recomputed, never used.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { transferKitCacheDir } from '../backbones/identity.ts';
import { RaggedStates, type CacheDtype } from '../backbones/split/ragged-states.ts';
import { atomicWriteFile } from '../io/atomic.ts';

const FORMAT = 'transferkit-states/1';

export interface StateCacheKey {
  lower: string;
  maxLength: number;
  dataset: string;
  dtype: CacheDtype;
}

export function stateCachePath(key: StateCacheKey): string {
  const hash = createHash('sha256').update(JSON.stringify([FORMAT, key.lower, key.maxLength, key.dataset, key.dtype])).digest('hex');
  return join(transferKitCacheDir(), 'states', `${hash}.bin`);
}

/** The cached states, or null when absent or unusable (wrong header, truncated). */
export async function readCachedStates(key: StateCacheKey, rows: number, dim: number): Promise<RaggedStates | null> {
  const path = stateCachePath(key);
  if (!existsSync(path)) return null;
  const bytes = await readFile(path);
  const newline = bytes.indexOf(10);
  if (newline < 0) return null;
  let header: { format?: string; rows?: number; dim?: number; dtype?: string; tokens?: number };
  try {
    header = JSON.parse(bytes.subarray(0, newline).toString('utf8'));
  } catch {
    return null;
  }
  if (header.format !== FORMAT || header.rows !== rows || header.dim !== dim || header.dtype !== key.dtype) return null;
  const tokens = header.tokens ?? -1;
  const width = key.dtype === 'float16' ? 2 : 4;
  const start = newline + 1;
  if (bytes.length !== start + (rows + 1) * 4 + tokens * dim * width) return null;
  // Copies into aligned buffers (the file buffer's offset need not be a multiple of 4).
  const offsets = new Int32Array(rows + 1);
  new Uint8Array(offsets.buffer).set(bytes.subarray(start, start + offsets.byteLength));
  if (offsets[rows] !== tokens) return null;
  const dataStart = start + offsets.byteLength;
  const data = key.dtype === 'float16' ? new Uint16Array(tokens * dim) : new Float32Array(tokens * dim);
  new Uint8Array(data.buffer).set(bytes.subarray(dataStart, dataStart + data.byteLength));
  return new RaggedStates(dim, key.dtype, offsets, data);
}

export async function writeCachedStates(key: StateCacheKey, states: RaggedStates): Promise<void> {
  const header = Buffer.from(`${JSON.stringify({ format: FORMAT, rows: states.rows, dim: states.dim, dtype: states.dtype, tokens: states.offsets[states.rows] })}\n`);
  const offsets = new Uint8Array(states.offsets.buffer, states.offsets.byteOffset, states.offsets.byteLength);
  const data = new Uint8Array(states.data.buffer, states.data.byteOffset, states.data.byteLength);
  await atomicWriteFile(stateCachePath(key), Buffer.concat([header, offsets, data]));
}
