import { existsSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextBackbone } from '../../src/backbones/load.ts';
import { TINY_BERT } from '../../src/fixtures/bert.ts';
import { extractWithCache } from '../../src/features/cache.ts';
import { TransferModel } from '../../src/model/transfer-model.ts';
import { saveRandomCheckpoint } from '../export/onnx-fixtures.ts';
import { FAKE_COMMIT, startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { makeTestBert, scratchDir } from '../helpers/tiny-model.ts';

const REPO = 'someone/moving-bert';
const NEW_COMMIT = 'b'.repeat(40);
const inputs = [
  { text: 'the cat sat on the mat', textPair: 'a cat is sitting' },
  { text: 'it rained all day', textPair: 'the sun was out' },
];
const extractOptions = { pooling: 'cls' as const, maxLength: 32, datasetHash: 'two-pairs' };

describe("a hub model whose 'main' moves to a new commit", () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let server: HubServer;
  let cacheDir: string;
  let versions: { v1: string; v2: string };
  const repoDir = () => join(scratch.dir, 'hub', 'models', ...REPO.split('/'));
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    scratch = await scratchDir('transferkit-hub-moves-');
    // Two versions of one repo: same shapes and tokenizer, other weights (the upstream retrained it).
    versions = {
      v1: (await makeTestBert(scratch.dir, 'v1', { ...TINY_BERT, seed: 1 })).dir,
      v2: (await makeTestBert(scratch.dir, 'v2', { ...TINY_BERT, seed: 2 })).dir,
    };
    await cp(versions.v1, repoDir(), { recursive: true });
    server = await startHubServer(join(scratch.dir, 'hub'));
    // The default model cache (checkpoints load their backbone from it) is the one the tests pass as cacheDir.
    process.env.HF_HOME = join(scratch.dir, 'hf-home');
    cacheDir = join(process.env.HF_HOME, 'transformers.js');
    process.env.HF_ENDPOINT = server.url;
    process.env.TRANSFERKIT_CACHE = join(scratch.dir, 'tk-cache');
    delete process.env.HF_HUB_OFFLINE;
  });
  afterAll(async () => {
    process.env = savedEnv;
    await server?.close();
    await scratch?.cleanup();
  });

  let checkpoint: string;

  it('gets the new commit: its own files, new features (not the cached ones) and a rebuilt attention model', async () => {
    const before = await loadTextBackbone(REPO, { cacheDir, device: 'cpu' });
    expect(before.identity).toBe(`hub:${REPO}@${FAKE_COMMIT}`);
    const oldFeatures = await extractWithCache(before, inputs, extractOptions);
    expect(oldFeatures.computedRows).toBe(inputs.length);
    const oldAttention = await before.attend(inputs[0], 32);
    await before.dispose();
    // A model trained on this commit (a random head stands in for the training).
    checkpoint = await saveRandomCheckpoint({ dir: join(scratch.dir, 'checkpoint'), backbone: before.reference, pooling: 'cls', maxLength: 32, head: { type: 'linear' }, inputDim: 32, seed: 3 });

    // Upstream pushes new weights: main now names another commit.
    await rm(repoDir(), { recursive: true });
    await cp(versions.v2, repoDir(), { recursive: true });
    server.heads.set(REPO, NEW_COMMIT);

    const after = await loadTextBackbone(REPO, { cacheDir, device: 'cpu' });
    expect(after.identity).toBe(`hub:${REPO}@${NEW_COMMIT}`);
    expect(after.reference).toMatchObject({ revision: 'main', identity: after.identity });
    const newFeatures = await extractWithCache(after, inputs, extractOptions);
    expect(newFeatures.cached).toBe(false);
    expect(newFeatures.computedRows).toBe(inputs.length);
    const newAttention = await after.attend(inputs[0], 32);
    await after.dispose();
    expect(existsSync(join(cacheDir, ...REPO.split('/'), NEW_COMMIT, 'onnx', 'model_attentions.onnx'))).toBe(true);

    // They are the new weights' numbers: those of v2 loaded as a local folder, and not v1's.
    const local = await loadTextBackbone(versions.v2, { device: 'cpu' });
    const expected = await local.extract(inputs, { pooling: 'cls', maxLength: 32 });
    const expectedAttention = await local.attend(inputs[0], 32);
    await local.dispose();
    expect(Array.from(newFeatures.features.data)).toEqual(Array.from(expected.data));
    expect(Array.from(newFeatures.features.data)).not.toEqual(Array.from(oldFeatures.features.data));
    expect(newAttention.layers).toEqual(expectedAttention.layers);
    expect(newAttention.layers).not.toEqual(oldAttention.layers);
  });

  it('offline, it is the commit the cache recorded, and its features come from the cache', async () => {
    const requests = server.requests.length;
    const offline = await loadTextBackbone(REPO, { cacheDir, device: 'cpu', offline: true });
    expect(offline.identity).toBe(`hub:${REPO}@${NEW_COMMIT}`);
    const features = await extractWithCache(offline, inputs, extractOptions);
    await offline.dispose();
    expect(features.cached).toBe(true);
    expect(server.requests.length).toBe(requests);
  });

  it('a pinned commit loads those files even after main moved (what a checkpoint trained on it asks for)', async () => {
    const pinned = await loadTextBackbone(REPO, { cacheDir, device: 'cpu', revision: FAKE_COMMIT, offline: true });
    expect(pinned.identity).toBe(`hub:${REPO}@${FAKE_COMMIT}`);
    const local = await loadTextBackbone(versions.v1, { device: 'cpu' });
    expect(Array.from((await pinned.extract(inputs, { pooling: 'cls', maxLength: 32 })).data)).toEqual(Array.from((await local.extract(inputs, { pooling: 'cls', maxLength: 32 })).data));
    await pinned.dispose();
    await local.dispose();
  });

  it('a checkpoint trained before main moved reloads the commit it was trained on, and predicts as then', async () => {
    const model = await TransferModel.loadFromCheckpoint(checkpoint, { device: 'cpu', offline: true });
    const predicted = await model.predict(inputs);
    const local = await loadTextBackbone(versions.v1, { device: 'cpu' });
    const expected = await model.predictFeatures(await local.extract(inputs, { pooling: 'cls', maxLength: 32 }));
    await local.dispose();
    await model.dispose();
    expect(predicted.probabilities).toEqual(expected.probabilities);
  });
});
