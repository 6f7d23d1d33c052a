/**
 * One chunk of a feature entry in one file that checks itself: a JSON header line (which rows of which
 * entry, and the payload's sha256), then the rows as little-endian float32. Written through a temp file
 * and a rename, so a reader sees a whole chunk or none; the checksum catches anything else (a disk error,
 * an edit, a truncated copy).
 */
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { cacheReadError } from './cache-entry.ts';

const CHUNK_FORMAT = 'transferkit-feature-chunk/1';
/** A header line is well under this; more bytes without a newline is a damaged file. */
const MAX_HEADER_BYTES = 4096;

/** Where a chunk belongs; a file whose header says anything else is not this chunk. */
export interface ChunkPlace {
  /** The entry's folder name (its key hash). */
  entry: string;
  /** The entry's rows and rows per chunk: a chunk of another layout is not reused. */
  totalRows: number;
  chunkRows: number;
  start: number;
  rows: number;
  dim: number;
}

interface ChunkHeader extends ChunkPlace {
  format: string;
  sha256: string;
}

export function encodeChunk(place: ChunkPlace, values: Float32Array): Uint8Array {
  const payload = littleEndianBytes(values);
  const header: ChunkHeader = { format: CHUNK_FORMAT, ...place, sha256: sha256(payload) };
  const line = Buffer.from(`${JSON.stringify(header)}\n`);
  return Buffer.concat([line, payload]);
}

export type ChunkRead = { values: Float32Array } | { missing: true } | { problem: string };

/**
 * Reads and checks a chunk file. Missing (ENOENT) and unusable (wrong header, size or checksum) are answers;
 * any other read error (EACCES, EISDIR, EIO) is thrown: the file is there and must not be taken for absent.
 */
export async function readChunk(path: string, place: ChunkPlace, verify = true): Promise<ChunkRead> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    throw cacheReadError(path, error);
  }
  return decodeChunk(bytes, place, verify);
}

export function decodeChunk(bytes: Uint8Array, place: ChunkPlace, verify = true): ChunkRead {
  const checked = checkHeader(bytes, place, bytes.length);
  if ('problem' in checked) return checked;
  const payload = bytes.subarray(checked.payloadStart);
  if (verify && sha256(payload) !== checked.header.sha256) return { problem: 'checksum mismatch' };
  return { values: floatsFrom(payload) };
}

/**
 * Checks a chunk file's header and size without reading its features (`cache status` over a large entry):
 * `head` is at least the file's first MAX_HEADER_BYTES (or all of it), `fileSize` its length.
 */
export function checkHeader(head: Uint8Array, place: ChunkPlace, fileSize: number): { header: ChunkHeader; payloadStart: number } | { problem: string } {
  const newline = head.subarray(0, MAX_HEADER_BYTES).indexOf(10);
  if (newline < 0) return { problem: 'damaged header' };
  let header: ChunkHeader;
  try {
    header = JSON.parse(Buffer.from(head.subarray(0, newline)).toString('utf8')) as ChunkHeader;
  } catch {
    return { problem: 'damaged header' };
  }
  if (header.format !== CHUNK_FORMAT) return { problem: `format ${JSON.stringify(header.format)}, expected ${CHUNK_FORMAT}` };
  for (const field of ['entry', 'totalRows', 'chunkRows', 'start', 'rows', 'dim'] as const) {
    if (header[field] !== place[field]) return { problem: `holds ${field} ${JSON.stringify(header[field])}, expected ${JSON.stringify(place[field])}` };
  }
  const size = place.rows * place.dim * 4;
  if (fileSize - newline - 1 !== size) return { problem: `${fileSize - newline - 1} bytes of features, expected ${size}` };
  return { header, payloadStart: newline + 1 };
}

/** The first bytes of a file (enough for any chunk header) and its size; null when it does not exist. */
export async function readHead(path: string): Promise<{ head: Uint8Array; size: number } | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw cacheReadError(path, error);
  }
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, MAX_HEADER_BYTES));
    await handle.read(head, 0, head.length, 0);
    return { head, size };
  } catch (error) {
    throw cacheReadError(path, error);
  } finally {
    await handle.close();
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function littleEndianBytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

function floatsFrom(bytes: Uint8Array): Float32Array {
  // A copy: the payload starts after the header line, at an offset that need not be a multiple of 4.
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
