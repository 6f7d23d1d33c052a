import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, writeFile, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedFeatures, defaultFeatureCacheDir, extractWithCache, featureCacheKeyHash, type FeatureCacheKey } from '../../src/features/cache.ts';
import type { ExtractOptions, FeatureExtractor, TextInput } from '../../src/core/index.ts';

const key: FeatureCacheKey = { modality: 'text', backbone: 'fake@1', preprocessing: '', encoder: 'text-test', pooling: 'cls', maxLength: 128, dataset: 'a'.repeat(64) };
const dim = 3;
const rowValues = (start: number, end: number) => Float32Array.from({ length: (end - start) * dim }, (_, i) => start * dim + i + 0.25);

/** Counts calls and rows; fails on demand to simulate a crash mid-extraction. */
function counter(failAfterCalls = Infinity) {
  const calls: [number, number][] = [];
  return {
    calls,
    compute: async (start: number, end: number) => {
      if (calls.length >= failAfterCalls) throw new Error('simulated crash');
      calls.push([start, end]);
      return rowValues(start, end);
    },
  };
}

const tempCache = () => mkdtemp(join(tmpdir(), 'tk-feature-cache-'));

describe('feature cache', () => {
  it('computes once, then serves every row from disk with zero compute calls', async () => {
    const cacheDir = await tempCache();
    const first = counter();
    const a = await cachedFeatures({ key, rows: 10, dim, chunkRows: 4, compute: first.compute, cacheDir });
    expect(first.calls).toEqual([[0, 4], [4, 8], [8, 10]]);
    expect(a.cached).toBe(false);
    expect(a.features.data).toEqual(rowValues(0, 10));
    const second = counter();
    const reordered: FeatureCacheKey = { dataset: key.dataset, maxLength: key.maxLength, pooling: key.pooling, encoder: key.encoder, preprocessing: '', backbone: key.backbone, modality: 'text' };
    const b = await cachedFeatures({ key: reordered, rows: 10, dim, chunkRows: 4, compute: second.compute, cacheDir });
    expect(second.calls).toHaveLength(0);
    expect(b).toMatchObject({ cached: true, computedRows: 0 });
    expect(b.rebuilt).toBeUndefined();
    expect(b.features.data).toEqual(a.features.data);
  });

  it('keys on backbone, encoder version, pooling, max length and dataset', async () => {
    const cacheDir = await tempCache();
    await cachedFeatures({ key, rows: 4, dim, compute: counter().compute, cacheDir });
    for (const other of [{ ...key, backbone: 'fake@2' }, { ...key, encoder: 'text-other' }, { ...key, pooling: 'mean' }, { ...key, maxLength: 64 }, { ...key, dataset: 'b'.repeat(64) }]) {
      expect(featureCacheKeyHash(other)).not.toBe(featureCacheKeyHash(key));
      const c = counter();
      await cachedFeatures({ key: other, rows: 4, dim, compute: c.compute, cacheDir });
      expect(c.calls).toHaveLength(1);
    }
  });

  it('resumes a crashed extraction after the last complete chunk', async () => {
    const cacheDir = await tempCache();
    const crashing = counter(2);
    await expect(cachedFeatures({ key, rows: 10, dim, chunkRows: 4, compute: crashing.compute, cacheDir })).rejects.toThrow('simulated crash');
    // What a SIGKILL during a chunk write leaves behind: a temp file, cleaned up on the next run.
    const stale = join(cacheDir, featureCacheKeyHash(key), '.chunk-000002.f32.tmp-1234-abcd');
    await writeFile(stale, 'partial');
    const resumed = counter();
    const progress: number[] = [];
    const r = await cachedFeatures({ key, rows: 10, dim, chunkRows: 4, compute: resumed.compute, cacheDir, onProgress: (done) => progress.push(done) });
    expect(resumed.calls).toEqual([[8, 10]]);
    expect(r.computedRows).toBe(2);
    expect(progress).toEqual([8, 10]);
    expect(r.features.data).toEqual(rowValues(0, 10));
    expect(await readdir(join(cacheDir, featureCacheKeyHash(key)))).not.toContain('.chunk-000002.f32.tmp-1234-abcd');
  });

  it('detects a corrupt chunk (altered or truncated) and rebuilds it instead of using it', async () => {
    const cacheDir = await tempCache();
    await cachedFeatures({ key, rows: 10, dim, chunkRows: 4, compute: counter().compute, cacheDir });
    const entry = join(cacheDir, featureCacheKeyHash(key));
    const chunk1 = join(entry, 'chunk-000001.f32');
    const bytes = await readFile(chunk1);
    bytes[bytes.length - 2] ^= 0xff; // a feature byte, not the header
    await writeFile(chunk1, bytes);
    const chunk2 = join(entry, 'chunk-000002.f32');
    await truncate(chunk2, (await readFile(chunk2)).indexOf(10) + 1 + 7);
    const again = counter();
    const r = await cachedFeatures({ key, rows: 10, dim, chunkRows: 4, compute: again.compute, cacheDir });
    expect(again.calls).toEqual([[4, 8], [8, 10]]);
    expect(r.rebuilt).toMatch(/chunk-000001\.f32: checksum mismatch/);
    expect(r.rebuilt).toMatch(/chunk-000002\.f32: 7 bytes of features, expected 24/);
    expect(r.features.data).toEqual(rowValues(0, 10));
  });

  it('replaces a damaged entry.json without discarding chunks that check out; other features are never served, and nothing is wiped', async () => {
    const cacheDir = await tempCache();
    await cachedFeatures({ key, rows: 8, dim, chunkRows: 4, compute: counter().compute, cacheDir });
    const entryFile = join(cacheDir, featureCacheKeyHash(key), 'entry.json');
    await writeFile(entryFile, '{"format": "transferkit-feat');
    const c = counter();
    const r = await cachedFeatures({ key, rows: 8, dim, chunkRows: 4, compute: c.compute, cacheDir });
    expect(c.calls).toHaveLength(0);
    expect(r.rebuilt).toMatch(/entry\.json: damaged JSON/);
    expect(JSON.parse(await readFile(entryFile, 'utf8'))).toMatchObject({ rows: 8, chunkRows: 4 });
    // Same key, different row count (dataset hash reused wrongly): each chunk says which rows it holds, so none is served.
    const d = counter();
    const wrong = await cachedFeatures({ key, rows: 9, dim, chunkRows: 4, compute: d.compute, cacheDir });
    expect(d.calls).toHaveLength(3);
    expect(wrong.rebuilt).toMatch(/describes different features/);
    expect(wrong.rebuilt).toMatch(/chunk-000000\.f32: holds totalRows 8, expected 9/);
    expect(wrong.features.data).toEqual(rowValues(0, 9));
  });

  it('a second run through extractWithCache makes zero backbone calls', async () => {
    const cacheDir = await tempCache();
    let backboneCalls = 0;
    const extractor: FeatureExtractor = {
      identity: 'fake-backbone@abc',
      dim: 2,
      async extract(inputs: TextInput[], options: ExtractOptions) {
        backboneCalls++;
        expect(options).toMatchObject({ pooling: 'mean', maxLength: 32 });
        return { rows: inputs.length, dim: 2, data: Float32Array.from(inputs.flatMap((x) => [x.text.length, (x.textPair ?? '').length])) };
      },
      async dispose() {},
    };
    const inputs = Array.from({ length: 7 }, (_, i) => ({ text: 'x'.repeat(i + 1), textPair: 'y'.repeat(i) }));
    const opts = { pooling: 'mean' as const, maxLength: 32, datasetHash: 'd'.repeat(64), cacheDir, chunkRows: 3 };
    const first = await extractWithCache(extractor, inputs, opts);
    expect(backboneCalls).toBe(3);
    const second = await extractWithCache(extractor, inputs, opts);
    expect(backboneCalls).toBe(3);
    expect(second.cached).toBe(true);
    expect(second.features.data).toEqual(first.features.data);
    expect(Array.from(second.features.data.subarray(12, 14))).toEqual([7, 6]);
  });

  it('extractWithCache reports each count once, reaching the total once (after the last chunk is on disk)', async () => {
    const cacheDir = await tempCache();
    const extractor: FeatureExtractor = {
      identity: 'fake-progress@abc',
      dim: 1,
      async extract(inputs: TextInput[], options: ExtractOptions) {
        // Like the text backbone: 0 first, then after each batch of 2, ending with the slice's length.
        options.onProgress?.(0, inputs.length);
        for (let done = 2; done < inputs.length + 2; done += 2) options.onProgress?.(Math.min(done, inputs.length), inputs.length);
        return { rows: inputs.length, dim: 1, data: new Float32Array(inputs.length) };
      },
      async dispose() {},
    };
    const inputs = Array.from({ length: 7 }, (_, i) => ({ text: `t${i}` }));
    const progress: number[] = [];
    await extractWithCache(extractor, inputs, { pooling: 'cls', maxLength: 8, datasetHash: 'e'.repeat(64), cacheDir, chunkRows: 3, onProgress: (done, total) => progress.push(done) && expect(total).toBe(7) });
    expect(progress.filter((done) => done === 7)).toHaveLength(1);
    expect(new Set(progress).size).toBe(progress.length);
    expect(progress.at(-1)).toBe(7);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('lives under TRANSFERKIT_CACHE when set', () => {
    expect(defaultFeatureCacheDir({ TRANSFERKIT_CACHE: '/x/y' })).toBe('/x/y/features');
    expect(defaultFeatureCacheDir({})).toMatch(/\.cache\/transferkit\/features$/);
  });
});
