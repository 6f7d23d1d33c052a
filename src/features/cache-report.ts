/**
 * `transferkit cache status` and `cache verify`: what every entry of a feature cache holds, read-only, so
 * they run safely while workers write. Status reads chunk headers and sizes; verify reads every chunk
 * and checks its sha256.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { chunkFileName, ChunkLayout, ENTRY_FILE, ENTRY_FORMAT, ENTRY_VERSION, readJsonFile, type EntryHeader, type FeatureCacheKey } from './cache-entry.ts';
import { checkHeader, readChunk, readHead, type ChunkPlace } from './chunk-file.ts';
import { describeMissing, shardPlans } from './shards.ts';
import { formatBytes } from '../data/line-reader.ts';

export interface EntryStatus {
  /** The entry's folder (its key hash). */
  dir: string;
  /** Null when entry.json is missing, damaged or of another format version (the entry is then not used). */
  key: FeatureCacheKey | null;
  /** Why the entry is unused, when it is. */
  unused?: string;
  rows: number;
  dim: number;
  chunkRows: number;
  chunks: number;
  chunksPresent: number;
  rowsCovered: number;
  /** Missing (or unusable) rows, as `rows A-B (shard I/N)`. */
  missing: string[];
  /** Chunks present but unusable (wrong header or size; with verify also a wrong checksum). */
  bad: string[];
  shardPlans: number[];
  bytes: number;
  /** Temp files of writers still at work, or of dead ones (the next holder of that chunk's lock removes them). */
  tempFiles: number;
  complete: boolean;
}

/** Every entry under `cacheDir`, largest first; `verify` also checks each chunk's sha256. */
export async function cacheStatus(cacheDir: string, verify = false): Promise<EntryStatus[]> {
  const names = await readdir(cacheDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const entries: EntryStatus[] = [];
  for (const name of names.sort()) {
    const dir = join(cacheDir, name);
    if ((await stat(dir)).isDirectory()) entries.push(await entryStatus(dir, name, verify));
  }
  return entries.sort((a, b) => b.bytes - a.bytes);
}

async function entryStatus(dir: string, name: string, verify: boolean): Promise<EntryStatus> {
  const files = await readdir(dir);
  let bytes = 0;
  for (const file of files) {
    const info = await stat(join(dir, file)).catch(() => null); // a temp file renamed away meanwhile
    if (info?.isFile()) bytes += info.size;
  }
  const tempFiles = files.filter((file) => file.startsWith('.') && file.includes('.tmp-')).length;
  const { value: header, problem } = await readJsonFile<EntryHeader>(join(dir, ENTRY_FILE));
  const base = { dir, bytes, tempFiles, shardPlans: await shardPlans(dir) };
  if (!header || header.format !== ENTRY_FORMAT || header.version !== ENTRY_VERSION) {
    const unused = header ? `format ${header.format} version ${header.version} (this TransferKit writes version ${ENTRY_VERSION}); delete the folder to free its space` : `${ENTRY_FILE} ${problem}`;
    return { ...base, key: null, unused, rows: 0, dim: 0, chunkRows: 0, chunks: 0, chunksPresent: 0, rowsCovered: 0, missing: [], bad: [], complete: false };
  }
  const layout = new ChunkLayout(header.rows, header.chunkRows);
  const missing: number[] = [];
  const bad: string[] = [];
  let rowsCovered = 0;
  let chunksPresent = 0;
  for (let index = 0; index < layout.chunkCount; index++) {
    const place: ChunkPlace = { entry: name, totalRows: header.rows, chunkRows: header.chunkRows, start: layout.start(index), rows: layout.end(index) - layout.start(index), dim: header.dim };
    const path = join(dir, chunkFileName(index));
    const problem = verify ? await verifyChunk(path, place) : await checkChunk(path, place);
    if (problem === 'missing') {
      missing.push(index);
      continue;
    }
    chunksPresent++;
    if (problem) {
      bad.push(`${chunkFileName(index)}: ${problem}`);
      missing.push(index);
      continue;
    }
    rowsCovered += place.rows;
  }
  return {
    ...base,
    key: header.key,
    rows: header.rows,
    dim: header.dim,
    chunkRows: header.chunkRows,
    chunks: layout.chunkCount,
    chunksPresent,
    rowsCovered,
    missing: describeMissing(missing, layout, base.shardPlans),
    bad,
    complete: missing.length === 0,
  };
}

async function checkChunk(path: string, place: ChunkPlace): Promise<string | 'missing' | null> {
  const file = await readHead(path);
  if (!file) return 'missing';
  const checked = checkHeader(file.head, place, file.size);
  return 'problem' in checked ? checked.problem : null;
}

async function verifyChunk(path: string, place: ChunkPlace): Promise<string | 'missing' | null> {
  const read = await readChunk(path, place);
  return 'missing' in read ? 'missing' : 'problem' in read ? read.problem : null;
}

/** Plain-text status: one block per entry. */
export function formatCacheStatus(cacheDir: string, entries: EntryStatus[]): string {
  if (entries.length === 0) return `no feature cache entries in ${cacheDir}\n`;
  const lines = [`feature cache ${cacheDir}: ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}, ${formatBytes(entries.reduce((sum, e) => sum + e.bytes, 0))}`];
  for (const e of entries) {
    lines.push('');
    if (!e.key) {
      lines.push(`${e.dir}  unused: ${e.unused}, ${formatBytes(e.bytes)}`);
      continue;
    }
    const k = e.key;
    lines.push(`${e.dir}`);
    lines.push(`  ${k.modality} ${k.backbone}  pooling ${k.pooling}${k.modality === 'text' ? `  max length ${k.maxLength}` : ''}  dataset ${k.dataset.slice(0, 12)}  encoder ${k.encoder}`);
    const percent = e.rows > 0 ? ((100 * e.rowsCovered) / e.rows).toFixed(1) : '100.0';
    lines.push(`  rows ${e.rowsCovered}/${e.rows} (${percent}%)  chunks ${e.chunksPresent - e.bad.length}/${e.chunks} of ${e.chunkRows} rows  dim ${e.dim}  ${formatBytes(e.bytes)}${e.shardPlans.length ? `  shards ${e.shardPlans.join(', ')}` : ''}`);
    lines.push(e.complete ? '  complete' : `  missing: ${e.missing.join(', ')}`);
    for (const problem of e.bad) lines.push(`  bad: ${problem}`);
    if (e.tempFiles > 0) lines.push(`  ${e.tempFiles} temp file(s): writers at work, or left by a killed one (the next writer of that chunk removes them)`);
  }
  return `${lines.join('\n')}\n`;
}
