import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransferKitError } from '../../src/errors.ts';
import { loadTextDataset, MNLI_LABELS } from '../../src/data/index.ts';
import { FAKE_COMMIT, startHubServer, type HubServer } from '../helpers/hub-server.ts';

const premises = ['A man plays a guitar.', 'Two dogs run on the beach.', 'A woman reads a book.', 'Kids build a sandcastle.', 'The chef cooks pasta.'];
const hypotheses = ['A man makes music.', 'No animals are outside.', 'A person is reading.', 'The children are at school.', 'Someone is cooking.'];
// GLUE integer labels: 0 entailment, 1 neutral, 2 contradiction, -1 no gold label (the test splits).
const labels = [0, 2, 0, -1, 1];

function writeParquet(file: string, rows: { premise: string[]; hypothesis: string[]; label: number[] }, classNames?: string[]) {
  mkdirSync(dirname(file), { recursive: true });
  const features = {
    premise: { dtype: 'string', _type: 'Value' },
    hypothesis: { dtype: 'string', _type: 'Value' },
    label: classNames ? { names: classNames, _type: 'ClassLabel' } : { dtype: 'int64', _type: 'Value' },
    idx: { dtype: 'int32', _type: 'Value' },
  };
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'premise', data: rows.premise, type: 'STRING' },
      { name: 'hypothesis', data: rows.hypothesis, type: 'STRING' },
      { name: 'label', data: rows.label.map(BigInt), type: 'INT64' },
      { name: 'idx', data: rows.label.map((_, i) => i), type: 'INT32' },
    ],
    rowGroupSize: 2, // several row groups, so reading goes group by group
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }],
  });
  writeFileSync(file, new Uint8Array(buffer));
}

let root: string;
let server: HubServer;
let cache: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tk-hub-'));
  const glue = join(root, 'datasets/nyu-mll/glue');
  writeParquet(join(glue, 'mnli/validation_matched-00000-of-00001.parquet'), { premise: premises, hypothesis: hypotheses, label: labels });
  writeParquet(join(glue, 'mnli/train-00000-of-00001.parquet'), { premise: premises.slice(0, 2), hypothesis: hypotheses.slice(0, 2), label: [0, 2] });
  writeParquet(join(glue, 'cola/train-00000-of-00001.parquet'), { premise: ['x'], hypothesis: ['y'], label: [0] });
  // A generic dataset in push_to_hub layout, two shards, with its own ClassLabel names.
  const names = ['yes', 'no'];
  writeParquet(join(root, 'datasets/someone/pairs/data/train-00000-of-00002.parquet'), { premise: ['p1', 'p2'], hypothesis: ['h1', 'h2'], label: [1, 0] }, names);
  writeParquet(join(root, 'datasets/someone/pairs/data/train-00001-of-00002.parquet'), { premise: ['p3'], hypothesis: ['h3'], label: [1] }, names);
  writeParquet(join(root, 'datasets/someone/pairs/data/test-00000-of-00001.parquet'), { premise: ['q'], hypothesis: ['r'], label: [0] }, names);
  server = await startHubServer(root);
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), 'tk-hf-cache-'));
  vi.stubEnv('HF_ENDPOINT', server.url);
  vi.stubEnv('HF_HUB_CACHE', cache);
  vi.stubEnv('HF_HUB_OFFLINE', '');
  vi.stubEnv('HF_TOKEN', '');
  server.requests.length = 0;
});

afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(cache, { recursive: true, force: true });
});

async function inputFailure(run: Promise<unknown>): Promise<TransferKitError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransferKitError);
  return error as TransferKitError;
}

describe('hub datasets through @huggingface/hub against a local hub on 127.0.0.1', () => {
  it('round-trips a Parquet file: glue/mnli:validation_matched is downloaded into the HF cache and read', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const progress: { phase: string; done: number; total?: number }[] = [];
    const dataset = await loadTextDataset('glue/mnli:validation_matched', { onProgress: (p) => progress.push(p) });

    expect(dataset.texts).toEqual([premises[0], premises[1], premises[2], premises[4]]);
    expect(dataset.textPairs).toEqual([hypotheses[0], hypotheses[1], hypotheses[2], hypotheses[4]]);
    expect(dataset.labelNames).toEqual(MNLI_LABELS);
    expect(Array.from(dataset.labels!)).toEqual([0, 2, 0, 1]);
    expect(Array.from(dataset.lines)).toEqual([1, 2, 3, 5]);
    expect(dataset.skipped).toEqual([{ reason: 'no gold label', count: 1, firstLines: [4] }]);

    // The huggingface_hub cache layout: blob + snapshot pointer + refs/main.
    const repoFolder = join(cache, 'datasets--nyu-mll--glue');
    const pointer = join(repoFolder, 'snapshots', FAKE_COMMIT, 'mnli/validation_matched-00000-of-00001.parquet');
    expect(existsSync(pointer)).toBe(true);
    expect(realpathSync(pointer).startsWith(realpathSync(join(repoFolder, 'blobs')))).toBe(true);
    expect(readFileSync(join(repoFolder, 'refs/main'), 'utf8')).toBe(FAKE_COMMIT);

    const downloads = progress.filter((p) => p.phase === 'download');
    const size = readFileSync(join(root, 'datasets/nyu-mll/glue/mnli/validation_matched-00000-of-00001.parquet')).length;
    expect(downloads.at(-1)).toEqual({ phase: 'download', done: size, total: size });
    expect(progress.filter((p) => p.phase === 'read').at(-1)).toEqual({ phase: 'read', done: 5, total: 5 });
    // Only the requested split was fetched.
    const fetched = server.requests.filter((r) => r.url.includes('/resolve/')).map((r) => r.url);
    expect(fetched.every((url) => url.endsWith('mnli/validation_matched-00000-of-00001.parquet'))).toBe(true);
    expect(server.requests.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('uses the cached copy on the second load (no file fetched again)', async () => {
    await loadTextDataset('glue/mnli:train');
    server.requests.length = 0;
    const again = await loadTextDataset('glue/mnli:train');
    expect(again.texts).toEqual(premises.slice(0, 2));
    expect(server.requests.filter((r) => r.url.includes('/resolve/'))).toEqual([]);
  });

  it('reads only the cache when HF_HUB_OFFLINE=1, and sends no request', async () => {
    await loadTextDataset('glue/mnli:train');
    server.requests.length = 0;
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const offline = await loadTextDataset('glue/mnli:train');
    expect(Array.from(offline.labels!)).toEqual([0, 2]);
    expect(server.requests).toEqual([]);
  });

  it('fails offline with nothing cached, saying where it looked (exit code 2)', async () => {
    const error = await inputFailure(loadTextDataset('glue/mnli:validation_mismatched', { offline: true }));
    expect(error.exitCode).toBe(2);
    expect(error.where.file).toBe('glue/mnli:validation_mismatched');
    expect(error.message).toContain('not in the Hugging Face cache');
    expect(error.message).toContain(join(cache, 'datasets--nyu-mll--glue', 'snapshots'));
    expect(error.message).toContain('mnli/validation_mismatched');
    expect(server.requests).toEqual([]);
  });

  it('names the available splits when the split does not exist', async () => {
    const error = await inputFailure(loadTextDataset('glue/mnli:validation'));
    expect(error.message).toBe("no split 'validation' in nyu-mll/glue (config mnli); available: train, validation_matched");
    expect(error.exitCode).toBe(2);
  });

  it('names the available configs when the config folder does not exist', async () => {
    const error = await inputFailure(loadTextDataset('glue/mnlii:train'));
    expect(error.message).toBe("no config 'mnlii' in nyu-mll/glue; available: cola, mnli");
    expect(error.exitCode).toBe(2);
  });

  it('reports a missing dataset as bad input', async () => {
    const error = await inputFailure(loadTextDataset('nobody/nothing:train'));
    expect(error.message).toContain(`dataset nobody/nothing not found on ${server.url}`);
    expect(error.exitCode).toBe(2);
  });

  it('reads any owner/dataset:split: shards in order, ClassLabel names from the Parquet metadata, HF_TOKEN sent', async () => {
    vi.stubEnv('HF_TOKEN', 'hf_testtoken');
    const dataset = await loadTextDataset('someone/pairs:train');
    expect(dataset.texts).toEqual(['p1', 'p2', 'p3']);
    expect(dataset.labelNames).toEqual(['yes', 'no']);
    expect(Array.from(dataset.labels!)).toEqual([1, 0, 1]);
    expect(Array.from(dataset.lines)).toEqual([1, 2, 3]);
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.every((r) => r.authorization === 'Bearer hf_testtoken')).toBe(true);
  });

  it('downloads only the shards --max-samples needs', async () => {
    const dataset = await loadTextDataset('someone/pairs:train', { maxSamples: 2 });
    expect(dataset.texts).toEqual(['p1', 'p2']);
    const fetched = server.requests.filter((r) => r.url.includes('/resolve/')).map((r) => r.url);
    expect(fetched.some((url) => url.endsWith('train-00000-of-00002.parquet'))).toBe(true);
    expect(fetched.some((url) => url.endsWith('train-00001-of-00002.parquet'))).toBe(false);
    const all = await loadTextDataset('someone/pairs:train', { maxSamples: 3 });
    expect(all.texts).toEqual(['p1', 'p2', 'p3']);
  });

  it('falls back to the cache when the hub is unreachable, and fails with exit code 1 when nothing is cached', async () => {
    await loadTextDataset('glue/mnli:train');
    const closed = await startHubServer(root);
    await closed.close();
    vi.stubEnv('HF_ENDPOINT', closed.url);
    const cached = await loadTextDataset('glue/mnli:train');
    expect(cached.texts).toHaveLength(2);

    const error = await inputFailure(loadTextDataset('glue/mnli:validation_matched'));
    expect(error.kind).toBe('runtime');
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain(`cannot reach ${closed.url}`);
  });

  it('puts the cache under HF_HOME/hub when HF_HUB_CACHE is not set', async () => {
    vi.stubEnv('HF_HUB_CACHE', undefined);
    vi.stubEnv('HUGGINGFACE_HUB_CACHE', undefined);
    vi.stubEnv('HF_HOME', cache);
    await loadTextDataset('glue/mnli:train');
    expect(existsSync(join(cache, 'hub', 'datasets--nyu-mll--glue', 'snapshots', FAKE_COMMIT, 'mnli/train-00000-of-00001.parquet'))).toBe(true);
  });

  it('rejects an HF_TOKEN that is not a token', async () => {
    vi.stubEnv('HF_TOKEN', 'secret');
    const error = await inputFailure(loadTextDataset('glue/mnli:train'));
    expect(error.kind).toBe('usage');
    expect(error.message).toContain("start with 'hf_'");
  });
});
