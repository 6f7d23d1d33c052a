import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { atomicWriteFile } from '../io/atomic.ts';
import { runtimeError } from '../errors.ts';
import type { BackboneReference, ExtractOptions, FeatureExtractor, FeatureMatrix, Modality } from '../core/index.ts';

/** What determines a feature matrix: change any part and the features are different. */
export interface FeatureCacheKey {
  /** What the backbone reads: text and image entries never share a key. */
  modality: Modality;
  /** FeatureExtractor.identity: model id + revision, or a hash of the model file. */
  backbone: string;
  /** sha256 of the image processor config ('' for text, whose preprocessing is the tokenizer in the identity). */
  preprocessing: string;
  pooling: string;
  maxLength: number;
  /** TextDataset.contentHash (sha256 over the rows). */
  dataset: string;
}

export interface CachedFeaturesOptions {
  key: FeatureCacheKey;
  rows: number;
  dim: number;
  /** Computes rows [start, end) as (end - start) × dim floats. Called only for rows not on disk. */
  compute: (start: number, end: number) => Promise<Float32Array>;
  /** Rows per chunk file: the most work a crash can lose. */
  chunkRows?: number;
  onProgress?: (done: number, total: number) => void;
  cacheDir?: string;
}

export interface CachedFeatures {
  features: FeatureMatrix;
  /** True when every row came from disk. */
  cached: boolean;
  computedRows: number;
  /** Why some or all of an existing entry was thrown away (bad header, size or checksum), if it was. */
  rebuilt?: string;
}

const FORMAT = 'transferkit-features';
const VERSION = 2;
const ENTRY_FILE = 'entry.json';
const CHUNKS_FILE = 'chunks.json';

/** `$TRANSFERKIT_CACHE/features`, else `~/.cache/transferkit/features`. Delete the folder to clear it. */
export function defaultFeatureCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRANSFERKIT_CACHE ? join(env.TRANSFERKIT_CACHE, 'features') : join(homedir(), '.cache', 'transferkit', 'features');
}

/** sha256 over the key's fields in a fixed order: the entry's folder name. */
export function featureCacheKeyHash(key: FeatureCacheKey): string {
  return createHash('sha256')
    .update(JSON.stringify([FORMAT, VERSION, key.modality, key.backbone, key.preprocessing, key.pooling, key.maxLength, key.dataset]))
    .digest('hex');
}

/** Removes every cached feature matrix under the cache folder. */
export async function clearFeatureCache(cacheDir = defaultFeatureCacheDir()): Promise<void> {
  await rm(cacheDir, { recursive: true, force: true });
}

interface Entry {
  format: string;
  version: number;
  key: FeatureCacheKey;
  rows: number;
  dim: number;
  chunkRows: number;
}

interface ChunkRecord {
  index: number;
  sha256: string;
}

/**
 * Features from the on-disk cache, computing only what is missing. Chunks are written (atomically) as
 * they are computed and recorded with their sha256, so an interrupted extraction resumes after the last
 * complete chunk. An entry whose header disagrees with the request, or a chunk whose size or checksum
 * is wrong, is recomputed — never used.
 */
export async function cachedFeatures(options: CachedFeaturesOptions): Promise<CachedFeatures> {
  const { rows, dim, compute } = options;
  // Fixed field order, so the stored header compares equal whatever order the caller wrote the key in.
  const { modality, backbone, preprocessing, pooling, maxLength, dataset } = options.key;
  const key: FeatureCacheKey = { modality, backbone, preprocessing, pooling, maxLength, dataset };
  const chunkRows = options.chunkRows ?? 1024;
  const dir = join(options.cacheDir ?? defaultFeatureCacheDir(), featureCacheKeyHash(key));
  const expected: Entry = { format: FORMAT, version: VERSION, key, rows, dim, chunkRows };
  const data = new Float32Array(rows * dim);
  const chunkCount = Math.ceil(rows / chunkRows);
  const problems: string[] = [];

  const header = await readJson<Entry>(join(dir, ENTRY_FILE));
  let records = new Map<number, ChunkRecord>();
  if (header.value && JSON.stringify(header.value) === JSON.stringify(expected)) {
    const listed = await readJson<{ chunks: ChunkRecord[] }>(join(dir, CHUNKS_FILE));
    if (listed.error) problems.push(`${CHUNKS_FILE}: ${listed.error}`);
    for (const record of listed.value?.chunks ?? []) records.set(record.index, record);
  } else {
    if (header.value) problems.push(`${ENTRY_FILE} describes different features`);
    else if (header.error && header.error !== 'missing') problems.push(`${ENTRY_FILE}: ${header.error}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await atomicWriteFile(join(dir, ENTRY_FILE), `${JSON.stringify(expected, null, 2)}\n`);
  }

  await removeStaleTemps(dir);
  const valid = new Map<number, ChunkRecord>();
  const rowsOf = (index: number) => Math.min(rows, (index + 1) * chunkRows) - index * chunkRows;
  let done = 0;
  for (let index = 0; index < chunkCount; index++) {
    const record = records.get(index);
    if (!record) continue;
    const file = join(dir, chunkFile(index));
    const bytes = await readFile(file).catch(() => null);
    const size = rowsOf(index) * dim * 4;
    if (!bytes || bytes.length !== size) {
      problems.push(`${chunkFile(index)}: ${bytes ? `${bytes.length} bytes, expected ${size}` : 'missing'}`);
      continue;
    }
    if (sha256(bytes) !== record.sha256) {
      problems.push(`${chunkFile(index)}: checksum mismatch`);
      continue;
    }
    data.set(floatsFrom(bytes), index * chunkRows * dim);
    valid.set(index, record);
    done += rowsOf(index);
  }
  records = valid;
  options.onProgress?.(done, rows);

  let computedRows = 0;
  for (let index = 0; index < chunkCount; index++) {
    if (records.has(index)) continue;
    const start = index * chunkRows;
    const end = start + rowsOf(index);
    const values = await compute(start, end);
    if (values.length !== (end - start) * dim) {
      throw runtimeError(`feature extractor returned ${values.length} values for rows ${start}..${end}, expected ${(end - start) * dim}`);
    }
    const bytes = bytesOf(values);
    await atomicWriteFile(join(dir, chunkFile(index)), bytes);
    records.set(index, { index, sha256: sha256(bytes) });
    await atomicWriteFile(join(dir, CHUNKS_FILE), JSON.stringify({ chunks: [...records.values()].sort((a, b) => a.index - b.index) }));
    data.set(values, start * dim);
    computedRows += end - start;
    done += end - start;
    options.onProgress?.(done, rows);
  }
  return {
    features: { rows, dim, data },
    cached: computedRows === 0,
    computedRows,
    ...(problems.length > 0 ? { rebuilt: problems.join('; ') } : {}),
  };
}

/**
 * Runs a feature extractor through the cache: rows already on disk are never extracted again. The
 * extractor sees chunk-sized slices of `inputs`.
 */
export async function extractWithCache<Input>(
  extractor: FeatureExtractor<Input> & { reference?: BackboneReference },
  inputs: Input[],
  options: Omit<ExtractOptions, 'onProgress'> & {
    datasetHash: string;
    onProgress?: (done: number, total: number) => void;
    cacheDir?: string;
    chunkRows?: number;
  },
): Promise<CachedFeatures> {
  const { datasetHash, cacheDir, chunkRows, onProgress, ...extract } = options;
  return cachedFeatures({
    key: {
      modality: extractor.reference?.modality ?? 'text',
      backbone: extractor.identity,
      preprocessing: extractor.reference?.preprocessing ?? '',
      pooling: extract.pooling,
      // Image backbones have no token limit: one entry whatever --max-length says.
      maxLength: extractor.reference?.modality === 'image' ? 0 : extract.maxLength,
      dataset: datasetHash,
    },
    rows: inputs.length,
    dim: extractor.dim,
    chunkRows,
    cacheDir,
    onProgress,
    compute: async (start, end) => {
      const matrix = await extractor.extract(inputs.slice(start, end), {
        ...extract,
        // A slice's start and end are reported by cachedFeatures (the end once the chunk is on disk); forwarding
        // the extractor's own 0 and last counts too would report them twice.
        onProgress: onProgress ? (done) => void (done > 0 && done < end - start && onProgress(start + done, inputs.length)) : undefined,
      });
      return matrix.data;
    },
  });
}

/** Temp files a killed writer left behind (atomicWriteFile names them `.<name>.tmp-<pid>-<rand>`). */
async function removeStaleTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith('.') && n.includes('.tmp-')).map((n) => rm(join(dir, n), { force: true })));
}

function chunkFile(index: number): string {
  return `chunk-${String(index).padStart(6, '0')}.f32`;
}

async function readJson<T>(path: string): Promise<{ value?: T; error?: string }> {
  let text: string;
  try {
    if (!(await stat(path)).isFile()) return { error: 'not a file' };
    text = await readFile(path, 'utf8');
  } catch {
    return { error: 'missing' };
  }
  try {
    return { value: JSON.parse(text) as T };
  } catch {
    return { error: 'damaged JSON' };
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function bytesOf(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

function floatsFrom(bytes: Uint8Array): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
