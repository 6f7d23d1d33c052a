/**
 * One feature cache entry on disk: `<cache>/<sha256 of the key>/` holding `entry.json` (what the features
 * are: key, rows, dim, rows per chunk) and one self-checking file per chunk (chunk-file.ts). entry.json is
 * written once; nothing else is shared between writers, so no index is ever rewritten.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { atomicWriteFile } from '../io/atomic.ts';
import { runtimeError } from '../errors.ts';
import type { Modality } from '../core/index.ts';
import { withLock } from './cache-lock.ts';

/** What determines a feature matrix: change any part and the features are different. */
export interface FeatureCacheKey {
  /** What the backbone reads: text and image entries never share a key. */
  modality: Modality;
  /** FeatureExtractor.identity: model id + revision, or a hash of the model file. */
  backbone: string;
  /** sha256 of the image processor config ('' for text, whose preprocessing is the tokenizer in the identity). */
  preprocessing: string;
  /** The version of the code that encodes inputs (encode/version.ts): new tokenization code, new features. */
  encoder: string;
  pooling: string;
  maxLength: number;
  /** TextDataset.contentHash (sha256 over the rows). */
  dataset: string;
}

export const ENTRY_FORMAT = 'transferkit-features';
export const ENTRY_VERSION = 3;
export const ENTRY_FILE = 'entry.json';

/** entry.json: the entry's description. chunkRows is layout, not identity: the first writer picks it. */
export interface EntryHeader {
  format: string;
  version: number;
  key: FeatureCacheKey;
  rows: number;
  dim: number;
  chunkRows: number;
}

/** `$TRANSFERKIT_CACHE/features`, else `~/.cache/transferkit/features`. Delete the folder to clear it. */
export function defaultFeatureCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRANSFERKIT_CACHE ? join(env.TRANSFERKIT_CACHE, 'features') : join(homedir(), '.cache', 'transferkit', 'features');
}

/** The key with its fields in a fixed order, so a stored header compares equal whatever order the caller used. */
export function normalizeKey(key: FeatureCacheKey): FeatureCacheKey {
  const { modality, backbone, preprocessing, encoder, pooling, maxLength, dataset } = key;
  return { modality, backbone, preprocessing, encoder, pooling, maxLength, dataset };
}

/** sha256 over the key's fields in a fixed order: the entry's folder name. */
export function featureCacheKeyHash(key: FeatureCacheKey): string {
  const k = normalizeKey(key);
  return createHash('sha256')
    .update(JSON.stringify([ENTRY_FORMAT, ENTRY_VERSION, k.modality, k.backbone, k.preprocessing, k.encoder, k.pooling, k.maxLength, k.dataset]))
    .digest('hex');
}

/** Chunk i's file name; `chunk-000012.f32`. */
export function chunkFileName(index: number): string {
  return `chunk-${String(index).padStart(6, '0')}.f32`;
}

/** Row layout of an entry: which rows chunk i holds. */
export class ChunkLayout {
  readonly chunkCount: number;
  constructor(
    readonly rows: number,
    readonly chunkRows: number,
  ) {
    this.chunkCount = Math.ceil(rows / chunkRows);
  }
  start(index: number): number {
    return index * this.chunkRows;
  }
  end(index: number): number {
    return Math.min(this.rows, (index + 1) * this.chunkRows);
  }
}

/** A JSON file's content; 'missing' only for ENOENT. Any other read error (EACCES, EISDIR, EIO) is thrown, never taken for "missing". */
export async function readJsonFile<T>(path: string): Promise<{ value?: T; problem?: 'missing' | 'damaged JSON' }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { problem: 'missing' };
    throw cacheReadError(path, error);
  }
  try {
    return { value: JSON.parse(text) as T };
  } catch {
    return { problem: 'damaged JSON' };
  }
}

/** A read error that is not "missing": the user fixes the file or its permissions; the cache never deletes it. */
export function cacheReadError(path: string, error: unknown) {
  const e = error as NodeJS.ErrnoException;
  return runtimeError(`cannot read feature cache file ${path}: ${e.code ?? e.message}${e.code === 'EACCES' ? ' (permission denied; fix the permissions, the cache does not delete it)' : ''}`);
}

const sameEntry = (header: EntryHeader | undefined, wanted: EntryHeader) =>
  !!header &&
  header.format === wanted.format &&
  header.version === wanted.version &&
  header.rows === wanted.rows &&
  header.dim === wanted.dim &&
  Number.isInteger(header.chunkRows) &&
  header.chunkRows > 0 &&
  JSON.stringify(normalizeKey(header.key)) === JSON.stringify(wanted.key);

export interface OpenedEntry {
  dir: string;
  header: EntryHeader;
  layout: ChunkLayout;
  /** Why entry.json was replaced (damaged, or describing other features), if it was. */
  problem?: string;
}

/**
 * The entry for `wanted`, creating entry.json when missing. An entry.json that already describes these
 * features decides the rows per chunk (so every worker of a sharded run cuts the same chunks). A damaged one,
 * or one describing other features, is replaced under the entry lock; chunk files are never deleted here:
 * each carries its own description and checksum, so a chunk that does not fit is simply recomputed.
 */
export async function openEntry(cacheDir: string, wanted: EntryHeader): Promise<OpenedEntry> {
  const dir = join(cacheDir, featureCacheKeyHash(wanted.key));
  const file = join(dir, ENTRY_FILE);
  const opened = (header: EntryHeader, problem?: string): OpenedEntry => ({ dir, header, layout: new ChunkLayout(header.rows, header.chunkRows), ...(problem ? { problem } : {}) });
  const first = await readJsonFile<EntryHeader>(file);
  if (sameEntry(first.value, wanted)) return opened(first.value!);
  return withLock(file, async () => {
    // Another process may have written it while this one waited for the lock.
    const current = await readJsonFile<EntryHeader>(file);
    if (sameEntry(current.value, wanted)) return opened(current.value!);
    await atomicWriteFile(file, `${JSON.stringify(wanted, null, 2)}\n`);
    const problem = current.value ? `${ENTRY_FILE} describes different features` : current.problem === 'damaged JSON' ? `${ENTRY_FILE}: damaged JSON` : undefined;
    return opened(wanted, problem);
  });
}
