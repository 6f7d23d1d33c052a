/**
 * The on-disk feature cache, safe for many processes on one disk or a shared volume (NFS, a Kubernetes PVC):
 * - each chunk is its own self-checking file (chunk-file.ts), written through a temp file and a rename,
 *   so there is no shared index to rewrite and a reader never sees half a chunk;
 * - a chunk is computed under its own lock (cache-lock.ts), so writers of one entry split the work: a
 *   chunk another live process is computing is waited for, not computed again;
 * - nothing is wiped: a chunk that does not check out is recomputed and replaced in place, and only the
 *   holder of a chunk's lock removes that chunk's leftover temp files.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteFile } from '../io/atomic.ts';
import { runtimeError } from '../errors.ts';
import { imageEncoderVersion, textEncoderVersion } from '../encode/version.ts';
import type { BackboneReference, ExtractOptions, FeatureExtractor, FeatureMatrix } from '../core/index.ts';
import { chunkFileName, defaultFeatureCacheDir, ENTRY_FORMAT, ENTRY_VERSION, normalizeKey, openEntry, type ChunkLayout, type FeatureCacheKey } from './cache-entry.ts';
import { encodeChunk, readChunk, type ChunkPlace } from './chunk-file.ts';
import { tryLock, waitLock, type HeldLock } from './cache-lock.ts';
import { recordShardPlan, shardChunks, shardPlans, type Shard } from './shards.ts';

export { defaultFeatureCacheDir, featureCacheKeyHash, type FeatureCacheKey } from './cache-entry.ts';

/** Rows per chunk file of a new entry: the most work a crash loses, and the unit shards are cut in. */
export const DEFAULT_CHUNK_ROWS = 1024;

export interface CachedFeaturesOptions {
  key: FeatureCacheKey;
  rows: number;
  dim: number;
  /**
   * Computes rows [start, end) as (end - start) × dim floats; called only for rows not on disk. `onRows`
   * may be told how many of them are done so far, for progress.
   */
  compute: (start: number, end: number, onRows?: (done: number) => void) => Promise<Float32Array>;
  /** Rows per chunk file when the entry is new (an existing entry keeps its own). */
  chunkRows?: number;
  /** Rows done (from disk or computed) out of the rows asked for. */
  onProgress?: (done: number, total: number) => void;
  cacheDir?: string;
  /** Called once the missing chunks are known, before any is computed; throw to refuse computing them. */
  beforeCompute?: (missing: MissingChunks) => void | Promise<void>;
}

/** What the cache lacks of the rows asked for. */
export interface MissingChunks {
  entryDir: string;
  layout: ChunkLayout;
  chunks: number[];
  /** Shard counts that sharded runs recorded for the entry (none: it was never extracted in shards). */
  shardPlans: number[];
}

export interface CachedFeatures {
  features: FeatureMatrix;
  /** True when every row came from disk. */
  cached: boolean;
  /** Rows this process passed through the backbone. */
  computedRows: number;
  /** What of the existing entry was unusable and recomputed (bad header, size or checksum), if anything. */
  rebuilt?: string;
  entryDir: string;
}

export interface CachedShard extends Omit<CachedFeatures, 'features'> {
  shard: Shard;
  /** The shard's chunks [first, end) and rows [startRow, endRow). */
  chunks: { first: number; end: number };
  startRow: number;
  endRow: number;
  chunkCount: number;
}

/**
 * Features from the on-disk cache, computing only what is missing (and what no other process is computing
 * at the same time: that is waited for and read). An interrupted extraction resumes after its last chunk.
 */
export async function cachedFeatures(options: CachedFeaturesOptions): Promise<CachedFeatures> {
  const data = new Float32Array(options.rows * options.dim);
  const { cached, computedRows, rebuilt, entryDir } = await fillEntry(options, null, (start, values) => data.set(values, start * options.dim));
  return { features: { rows: options.rows, dim: options.dim, data }, cached, computedRows, ...(rebuilt ? { rebuilt } : {}), entryDir };
}

/**
 * One shard of an entry: computes the missing chunks of its range and keeps nothing in memory (a worker of
 * a sharded run never needs the whole matrix). A finished shard reads and checks its chunks and computes nothing.
 */
export function cachedShard(options: CachedFeaturesOptions, shard: Shard): Promise<CachedShard> {
  return fillEntry(options, shard, () => undefined);
}

async function fillEntry(options: CachedFeaturesOptions, shard: Shard | null, store: (start: number, values: Float32Array) => void): Promise<CachedShard> {
  const { rows, dim, compute } = options;
  const key = normalizeKey(options.key);
  const entry = await openEntry(options.cacheDir ?? defaultFeatureCacheDir(), { format: ENTRY_FORMAT, version: ENTRY_VERSION, key, rows, dim, chunkRows: options.chunkRows ?? DEFAULT_CHUNK_ROWS });
  const { layout, dir } = entry;
  const range = shardChunks(shard ?? { index: 0, count: 1 }, layout.chunkCount);
  if (shard && shard.count > 1) await recordShardPlan(dir, shard.count);
  const entryName = dir.split(/[\\/]/).pop()!;
  const place = (index: number): ChunkPlace => ({ entry: entryName, totalRows: rows, chunkRows: layout.chunkRows, start: layout.start(index), rows: layout.end(index) - layout.start(index), dim });
  const path = (index: number) => join(dir, chunkFileName(index));
  const problems = entry.problem ? [entry.problem] : [];
  const startRow = layout.start(range.first);
  const endRow = range.end > range.first ? layout.end(range.end - 1) : startRow;
  const total = endRow - startRow;
  let done = 0;
  let computedRows = 0;

  const missing: number[] = [];
  for (let index = range.first; index < range.end; index++) {
    const read = await readChunk(path(index), place(index));
    if ('values' in read) {
      store(layout.start(index), read.values);
      done += place(index).rows;
      continue;
    }
    if ('problem' in read) problems.push(`${chunkFileName(index)}: ${read.problem}`);
    missing.push(index);
  }
  options.onProgress?.(done, total);
  if (missing.length > 0) await options.beforeCompute?.({ entryDir: dir, layout, chunks: missing, shardPlans: await shardPlans(dir) });

  const fill = async (index: number, held: HeldLock) => {
    try {
      const { start, rows: count } = place(index);
      // Another process may have written it since the first look (it held the lock; now this one does).
      const again = await readChunk(path(index), place(index));
      let values: Float32Array;
      if ('values' in again) {
        values = again.values;
      } else {
        const doneBefore = done;
        values = await compute(start, start + count, (rowsDone) => options.onProgress?.(doneBefore + rowsDone, total));
        if (values.length !== count * dim) {
          throw runtimeError(`feature extractor returned ${values.length} values for rows ${start}..${start + count}, expected ${count * dim}`);
        }
        await writeChunk(path(index), place(index), values);
        computedRows += count;
      }
      store(start, values);
      done += count;
      options.onProgress?.(done, total);
    } finally {
      await held.release();
    }
  };
  // First the chunks nobody is computing; then those others were busy with (read once they finish, or
  // taken over when their holder died).
  const busy: number[] = [];
  for (const index of missing) {
    const held = await tryLock(path(index));
    if (held) await fill(index, held);
    else busy.push(index);
  }
  for (const index of busy) await fill(index, await waitLock(path(index)));

  return {
    cached: computedRows === 0,
    computedRows,
    ...(problems.length > 0 ? { rebuilt: problems.join('; ') } : {}),
    entryDir: dir,
    shard: shard ?? { index: 0, count: 1 },
    chunks: range,
    startRow,
    endRow,
    chunkCount: layout.chunkCount,
  };
}

/**
 * Writes a chunk whole (temp file + rename). Should a process that found this one's lock stale have removed
 * its temp file meanwhile, the rename fails: then the other process's copy (the same bytes) is the chunk.
 */
async function writeChunk(path: string, place: ChunkPlace, values: Float32Array): Promise<void> {
  try {
    await atomicWriteFile(path, encodeChunk(place, values));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !('values' in (await readChunk(path, place)))) throw error;
  }
}

/** Removes every cached feature matrix under the cache folder (while no run uses it). */
export async function clearFeatureCache(cacheDir = defaultFeatureCacheDir()): Promise<void> {
  await rm(cacheDir, { recursive: true, force: true });
}

export interface CacheExtractOptions extends Omit<ExtractOptions, 'onProgress'> {
  datasetHash: string;
  onProgress?: (done: number, total: number) => void;
  cacheDir?: string;
  chunkRows?: number;
  beforeCompute?: CachedFeaturesOptions['beforeCompute'];
}

type CacheableExtractor<Input> = FeatureExtractor<Input> & { reference?: BackboneReference };

/**
 * Runs a feature extractor through the cache: rows already on disk are never extracted again. The
 * extractor sees chunk-sized slices of `inputs`.
 */
export function extractWithCache<Input>(extractor: CacheableExtractor<Input>, inputs: Input[], options: CacheExtractOptions): Promise<CachedFeatures> {
  return cachedFeatures(cacheOptions(extractor, inputs, options));
}

/** extractWithCache for one shard of the inputs (a worker of a sharded extraction). */
export function extractShardWithCache<Input>(extractor: CacheableExtractor<Input>, inputs: Input[], options: CacheExtractOptions, shard: Shard): Promise<CachedShard> {
  return cachedShard(cacheOptions(extractor, inputs, options), shard);
}

/** The cache key of an extractor's features: what it is, how inputs are encoded and pooled, and the data. */
export function extractorCacheKey(extractor: { identity: string; reference?: BackboneReference }, options: { pooling: string; maxLength: number; datasetHash: string }): FeatureCacheKey {
  const modality = extractor.reference?.modality ?? 'text';
  return {
    modality,
    backbone: extractor.identity,
    preprocessing: extractor.reference?.preprocessing ?? '',
    encoder: modality === 'image' ? imageEncoderVersion() : textEncoderVersion(),
    pooling: options.pooling,
    // Image backbones have no token limit: one entry whatever --max-length says.
    maxLength: modality === 'image' ? 0 : options.maxLength,
    dataset: options.datasetHash,
  };
}

function cacheOptions<Input>(extractor: CacheableExtractor<Input>, inputs: Input[], options: CacheExtractOptions): CachedFeaturesOptions {
  const { datasetHash, cacheDir, chunkRows, onProgress, beforeCompute, ...extract } = options;
  return {
    key: extractorCacheKey(extractor, { pooling: extract.pooling, maxLength: extract.maxLength, datasetHash }),
    rows: inputs.length,
    dim: extractor.dim,
    chunkRows,
    cacheDir,
    onProgress,
    beforeCompute,
    compute: async (start, end, onRows) => {
      const matrix = await extractor.extract(inputs.slice(start, end), {
        ...extract,
        // A chunk's end is reported by the cache once the chunk is on disk, its start before it: forwarding
        // the extractor's own 0 and last counts too would report them twice.
        onProgress: onRows ? (rowsDone) => void (rowsDone > 0 && rowsDone < end - start && onRows(rowsDone)) : undefined,
      });
      return matrix.data;
    },
  };
}
