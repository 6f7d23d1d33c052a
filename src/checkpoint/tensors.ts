import { createHash } from 'node:crypto';

/** One tensor's place in a .bin file of raw little-endian float32. */
export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  offset: number;
  byteLength: number;
}

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Concatenates tensors into one little-endian float32 buffer with their table of contents. */
export function packTensors(tensors: NamedTensor[]): { bytes: Uint8Array; entries: TensorEntry[]; sha256: string } {
  const total = tensors.reduce((sum, t) => sum + t.data.length * 4, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    if (LITTLE_ENDIAN) bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), offset);
    else t.data.forEach((v, i) => view.setFloat32(offset + i * 4, v, true));
    entries.push({ name: t.name, shape: t.shape.slice(), dtype: 'float32', offset, byteLength: t.data.length * 4 });
    offset += t.data.length * 4;
  }
  return { bytes, entries, sha256: sha256(bytes) };
}

/** Reads tensors back by their table of contents; the caller has already checked sizes and checksum. */
export function unpackTensors(bytes: Uint8Array, entries: TensorEntry[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const e of entries) {
    let data: Float32Array;
    if (LITTLE_ENDIAN) {
      // Copy into a fresh aligned buffer (a Node Buffer's slice() is a view into a shared pool).
      data = new Float32Array(e.byteLength / 4);
      new Uint8Array(data.buffer).set(bytes.subarray(e.offset, e.offset + e.byteLength));
    } else {
      data = new Float32Array(e.byteLength / 4);
      for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(e.offset + i * 4, true);
    }
    out.set(e.name, data);
  }
  return out;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
