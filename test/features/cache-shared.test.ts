import { describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { cachedFeatures, cachedShard, featureCacheKeyHash, type FeatureCacheKey, type MissingChunks } from '../../src/features/cache.ts';
import { encodeChunk } from '../../src/features/chunk-file.ts';
import { cacheStatus, formatCacheStatus } from '../../src/features/cache-report.ts';

const key: FeatureCacheKey = { modality: 'text', backbone: 'fake@shared', preprocessing: '', encoder: 'text-test', pooling: 'cls', maxLength: 128, dataset: 'c'.repeat(64) };
const dim = 2;
const rowValues = (start: number, end: number) => Float32Array.from({ length: (end - start) * dim }, (_, i) => start * dim + i + 0.5);
const tempCache = () => mkdtemp(join(tmpdir(), 'tk-cache-shared-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A compute that records its calls and takes `ms` per chunk, like a backbone pass would. */
function slowCounter(ms = 0) {
  const calls: [number, number][] = [];
  return {
    calls,
    rows: () => calls.reduce((sum, [start, end]) => sum + end - start, 0),
    compute: async (start: number, end: number) => {
      calls.push([start, end]);
      await sleep(ms);
      return rowValues(start, end);
    },
  };
}

describe('feature cache shared by several writers', () => {
  it('two extractions of one 8,192-row key at once compute each chunk once between them, and both get every row', async () => {
    const cacheDir = await tempCache();
    const [a, b] = [slowCounter(15), slowCounter(15)];
    const options = { key, rows: 8192, dim, chunkRows: 1024, cacheDir };
    const [ra, rb] = await Promise.all([cachedFeatures({ ...options, compute: a.compute }), cachedFeatures({ ...options, compute: b.compute })]);
    // Before per-chunk locks each computed all 8,192 rows.
    expect(a.rows() + b.rows()).toBe(8192);
    expect(a.rows()).toBeGreaterThan(0);
    expect(b.rows()).toBeGreaterThan(0);
    expect(ra.features.data).toEqual(rowValues(0, 8192));
    expect(rb.features.data).toEqual(rowValues(0, 8192));
    expect(ra.computedRows + rb.computedRows).toBe(8192);
    const files = await readdir(ra.entryDir);
    expect(files.filter((f) => f.includes('.tmp-') || f.endsWith('.lock'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('chunk-'))).toHaveLength(8);
  });

  it("waits for a chunk another live process is computing and reads it, instead of computing it again", async () => {
    const cacheDir = await tempCache();
    const entryDir = join(cacheDir, featureCacheKeyHash(key));
    await mkdir(entryDir, { recursive: true });
    const chunk1 = join(entryDir, 'chunk-000001.f32');
    const release = await lockfile.lock(chunk1, { realpath: false });
    const c = slowCounter();
    const running = cachedFeatures({ key, rows: 12, dim, chunkRows: 4, compute: c.compute, cacheDir });
    await sleep(300);
    expect(c.calls).toEqual([[0, 4], [8, 12]]);
    // The other process finishes its chunk (its own values, to tell them apart) and lets go.
    const theirs = Float32Array.from({ length: 8 }, (_, i) => 100 + i);
    await writeFile(chunk1, encodeChunk({ entry: featureCacheKeyHash(key), totalRows: 12, chunkRows: 4, start: 4, rows: 4, dim }, theirs));
    await release();
    const r = await running;
    expect(c.calls).toEqual([[0, 4], [8, 12]]);
    expect(r.computedRows).toBe(8);
    expect(Array.from(r.features.data.subarray(8, 16))).toEqual(Array.from(theirs));
  });

  it("takes over a dead writer's stale lock, and removes that writer's temp file, but never a live writer's", async () => {
    const cacheDir = await tempCache();
    const entryDir = join(cacheDir, featureCacheKeyHash(key));
    await cachedFeatures({ key, rows: 8, dim, chunkRows: 4, compute: slowCounter().compute, cacheDir });
    // chunk 1 lost: its writer died mid-write (a stale lock and a temp file); chunk 0 is complete and
    // another process is writing a temp file next to it.
    const chunk1 = join(entryDir, 'chunk-000001.f32');
    await writeFile(chunk1, '').then(() => import('node:fs/promises')).then((fs) => fs.rm(chunk1));
    await mkdir(`${chunk1}.lock`);
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(`${chunk1}.lock`, old, old);
    await writeFile(join(entryDir, '.chunk-000001.f32.tmp-99999-dead'), 'partial');
    await writeFile(join(entryDir, '.chunk-000000.f32.tmp-88888-live'), 'in progress');
    const c = slowCounter();
    const r = await cachedFeatures({ key, rows: 8, dim, chunkRows: 4, compute: c.compute, cacheDir });
    expect(c.calls).toEqual([[4, 8]]);
    expect(r.features.data).toEqual(rowValues(0, 8));
    const files = await readdir(entryDir);
    expect(files).not.toContain('.chunk-000001.f32.tmp-99999-dead');
    expect(files).not.toContain('chunk-000001.f32.lock');
    // Before: every temp file in the entry was removed, a live writer's too.
    expect(files).toContain('.chunk-000000.f32.tmp-88888-live');
  });

  it('reports a read error other than "missing" (here EISDIR; EACCES alike) and deletes nothing', async () => {
    const cacheDir = await tempCache();
    const entryDir = join(cacheDir, featureCacheKeyHash(key));
    await cachedFeatures({ key, rows: 8, dim, chunkRows: 4, compute: slowCounter().compute, cacheDir });
    await import('node:fs/promises').then((fs) => fs.rm(join(entryDir, 'chunk-000001.f32')));
    await mkdir(join(entryDir, 'chunk-000001.f32'));
    const c = slowCounter();
    await expect(cachedFeatures({ key, rows: 8, dim, chunkRows: 4, compute: c.compute, cacheDir })).rejects.toThrow(/cannot read feature cache file .*chunk-000001\.f32: EISDIR/);
    expect(c.calls).toEqual([]);
    expect(await readdir(entryDir)).toContain('chunk-000000.f32');
    // An unreadable entry.json is not "missing" either: before, it made the run wipe the whole entry.
    const other = { ...key, dataset: 'd'.repeat(64) };
    const otherDir = join(cacheDir, featureCacheKeyHash(other));
    await cachedFeatures({ key: other, rows: 4, dim, compute: slowCounter().compute, cacheDir });
    await import('node:fs/promises').then((fs) => fs.rm(join(otherDir, 'entry.json')));
    await mkdir(join(otherDir, 'entry.json'));
    await expect(cachedFeatures({ key: other, rows: 4, dim, compute: slowCounter().compute, cacheDir })).rejects.toThrow(/entry\.json: EISDIR/);
    expect(await readdir(otherDir)).toContain('chunk-000000.f32');
  });

  it('a shard computes only its contiguous chunk range; run again it computes nothing; the entry keeps the first writer\'s chunk size', async () => {
    const cacheDir = await tempCache();
    const first = slowCounter();
    const r = await cachedShard({ key, rows: 10, dim, chunkRows: 2, compute: first.compute, cacheDir }, { index: 1, count: 2 });
    // 5 chunks in 2 shards: chunks 0-1 and 2-4.
    expect(first.calls).toEqual([[4, 6], [6, 8], [8, 10]]);
    expect(r).toMatchObject({ chunks: { first: 2, end: 5 }, startRow: 4, endRow: 10, computedRows: 6, chunkCount: 5 });
    const again = slowCounter();
    expect((await cachedShard({ key, rows: 10, dim, chunkRows: 2, compute: again.compute, cacheDir }, { index: 1, count: 2 })).computedRows).toBe(0);
    expect(again.calls).toEqual([]);
    // A whole-entry reader asking for another chunk size reads the sharded layout and is told what is missing.
    const seen: MissingChunks[] = [];
    const refuse = (missing: MissingChunks) => {
      seen.push(missing);
      throw new Error('refused');
    };
    await expect(cachedFeatures({ key, rows: 10, dim, chunkRows: 1024, compute: again.compute, cacheDir, beforeCompute: refuse })).rejects.toThrow('refused');
    expect(seen[0]).toMatchObject({ chunks: [0, 1], shardPlans: [2] });
    expect(seen[0].layout.chunkRows).toBe(2);
    expect(again.calls).toEqual([]);
    const entry = JSON.parse(await readFile(join(seen[0].entryDir, 'entry.json'), 'utf8'));
    expect(entry.chunkRows).toBe(2);
  });

  it('cache status reports coverage and missing shards from headers alone; verify also catches a changed feature byte', async () => {
    const cacheDir = await tempCache();
    const options = { key, rows: 10, dim, chunkRows: 2, cacheDir, compute: slowCounter().compute };
    const { entryDir } = await cachedShard(options, { index: 0, count: 2 });
    const flipped = join(entryDir, 'chunk-000001.f32');
    const bytes = await readFile(flipped);
    bytes[bytes.length - 1] ^= 0x01;
    await writeFile(flipped, bytes);
    const [status] = await cacheStatus(cacheDir);
    expect(status).toMatchObject({ rows: 10, rowsCovered: 4, chunks: 5, chunksPresent: 2, complete: false, missing: ['rows 4-9 (shard 1/2)'], bad: [], shardPlans: [2] });
    const [verified] = await cacheStatus(cacheDir, true);
    expect(verified).toMatchObject({ rowsCovered: 2, missing: ['rows 2-9 (shard 0/2, 1/2)'], bad: ['chunk-000001.f32: checksum mismatch'] });
    expect(formatCacheStatus(cacheDir, [verified])).toMatch(/rows 2\/10 \(20\.0%\)  chunks 1\/5 of 2 rows[^\n]*shards 2\n  missing: rows 2-9 \(shard 0\/2, 1\/2\)\n  bad: chunk-000001\.f32: checksum mismatch/);
  });
});
