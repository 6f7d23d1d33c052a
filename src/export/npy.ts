import { writeFile } from 'node:fs/promises';
import { atomicWriteFile, atomicWriteStream } from '../io/atomic.ts';

/** The NumPy v1.0 header of a float32 C-order array: magic, version, length, then the dict padded to 64 bytes. */
function npyHeader(shape: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // magic(6) + version(2) + header length(2) + header, padded with spaces to a multiple of 64, ending in \n.
  const unpadded = 10 + header.length + 1;
  header = header + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}

/** Little-endian bytes of float32 values (a view where the machine is little-endian). */
function float32Bytes(data: Float32Array): Uint8Array {
  if (isLittleEndian()) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

/** Encodes a float32 array as a NumPy v1.0 .npy file (little endian, C order). */
export function encodeNpy(data: Float32Array, shape: number[]): Uint8Array {
  const expected = shape.reduce((a, b) => a * b, 1);
  if (expected !== data.length) throw new Error(`npy: shape [${shape}] needs ${expected} values, got ${data.length}`);
  const header = npyHeader(shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(float32Bytes(data), header.length);
  return out;
}

/**
 * Writes a .npy file atomically from row blocks produced one at a time (in order), so the whole matrix
 * is never in memory. Fails, leaving nothing behind, if the blocks do not add up to the shape.
 */
export async function writeNpyStream(path: string, shape: number[], blocks: AsyncIterable<Float32Array>): Promise<void> {
  const expected = shape.reduce((a, b) => a * b, 1);
  await atomicWriteStream(path, async (handle) => {
    await handle.write(npyHeader(shape));
    let written = 0;
    for await (const block of blocks) {
      if (written + block.length > expected) throw new Error(`npy: shape [${shape}] needs ${expected} values, got more`);
      await handle.write(float32Bytes(block));
      written += block.length;
    }
    if (written !== expected) throw new Error(`npy: shape [${shape}] needs ${expected} values, got ${written}`);
  });
}

/** Parses a float32 .npy file written by encodeNpy or NumPy. */
export function decodeNpy(bytes: Uint8Array): { data: Float32Array; shape: number[] } {
  if (bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') throw new Error('not a .npy file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  if (!header.includes("'<f4'")) throw new Error(`only little-endian float32 .npy is supported (header: ${header.trim()})`);
  const shapeMatch = /'shape':\s*\(([^)]*)\)/.exec(header);
  const shape = (shapeMatch?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const offset = start + headerLength;
  // A copy that starts its own buffer (a Node Buffer's slice() is a view into a larger pool).
  const copy = Uint8Array.prototype.slice.call(bytes, offset);
  return { data: new Float32Array(copy.buffer, 0, copy.byteLength / 4), shape };
}

export async function writeNpy(path: string, data: Float32Array, shape: number[], atomic = true): Promise<void> {
  const bytes = encodeNpy(data, shape);
  if (atomic) await atomicWriteFile(path, bytes);
  else await writeFile(path, bytes);
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
