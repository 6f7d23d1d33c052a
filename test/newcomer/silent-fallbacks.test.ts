/**
 * Issue 10 item 23: no silent fallbacks. A Parquet file whose ClassLabel metadata is broken, and an
 * offline hub cache without the ref for the revision, are refused with the way out, instead of quietly
 * naming the labels from the data or taking the newest snapshot of any revision.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadTextDataset } from '../../src/data/index.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';

function parquet(file: string, huggingface: string): string {
  mkdirSync(join(file, '..'), { recursive: true });
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'premise', data: ['p0', 'p1'], type: 'STRING' },
      { name: 'hypothesis', data: ['h0', 'h1'], type: 'STRING' },
      { name: 'label', data: [1n, 0n], type: 'INT64' },
    ],
    kvMetadata: [{ key: 'huggingface', value: huggingface }],
  });
  writeFileSync(file, new Uint8Array(buffer));
  return file;
}

const features = (label: unknown) => JSON.stringify({ info: { features: { premise: { _type: 'Value' }, hypothesis: { _type: 'Value' }, label } } });
const lineOf = (promise: Promise<unknown>) => promise.then(() => 'loaded', (error: { line: string }) => error.line);

describe('no silent fallbacks', () => {
  const scratch = scratchFolder('transferkit-fallbacks-');
  afterEach(() => vi.unstubAllEnvs());

  it('a ClassLabel without a list of names is refused, naming the column and --label-names', async () => {
    const file = parquet(join(scratch.dir, 'bad-names.parquet'), features({ _type: 'ClassLabel', names: 'entailment,neutral' }));
    expect(await lineOf(loadTextDataset(file))).toBe(
      `${file}: the file's Hugging Face metadata declares column 'label' a ClassLabel but gives no list of names; name the classes with --label-names`,
    );
    expect((await loadTextDataset(file, { labelNames: ['yes', 'no'] })).labelNames).toEqual(['yes', 'no']);
  });

  it('metadata that is not JSON is refused too (when the labels would come from it)', async () => {
    const file = parquet(join(scratch.dir, 'bad-json.parquet'), '{"info": ');
    expect(await lineOf(loadTextDataset(file))).toMatch(new RegExp(`^${file}: the file's Hugging Face metadata is not valid JSON \\(.*\\); name the classes with --label-names$`));
  });

  it('offline, a cached repo without refs/main is refused, listing its snapshots and the fix', async () => {
    const cache = join(scratch.dir, 'hub-cache');
    const repo = join(cache, 'datasets--someone--nli');
    parquet(join(repo, 'snapshots', 'aaaa1111', 'data', 'train-00000-of-00001.parquet'), features({ _type: 'ClassLabel', names: ['entailment', 'neutral', 'contradiction'] }));
    vi.stubEnv('HF_HUB_CACHE', cache);
    expect(await lineOf(loadTextDataset('someone/nli:train', { offline: true }))).toBe(
      `someone/nli:train: offline (HF_HUB_OFFLINE or --offline) and the cache has no ${join(repo, 'refs', 'main')}, so none of its snapshots (aaaa1111) is known to be revision main; load it once online, or write the commit you want into that file`,
    );
  });
});
