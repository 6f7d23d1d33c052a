import { cp, mkdir } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadTextBackbone } from '../../src/backbones/load.ts';
import { resolveModelSource } from '../../src/backbones/hub.ts';
import { FAKE_COMMIT, startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { scratchDir, tinyModelDir } from '../helpers/tiny-model.ts';

describe('loading bert-base-cased through the (local) hub', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let server: HubServer;
  let cacheDir: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    scratch = await scratchDir('transferkit-hub-');
    // The tiny model stands in for Xenova/bert-base-cased, served in the hub's URL layout.
    const repo = join(scratch.dir, 'hub', 'models', 'Xenova', 'bert-base-cased');
    await mkdir(repo, { recursive: true });
    await cp(await tinyModelDir(), repo, { recursive: true });
    server = await startHubServer(join(scratch.dir, 'hub'));
    cacheDir = join(scratch.dir, 'hf-cache');
    process.env.HF_ENDPOINT = server.url;
    process.env.TRANSFERKIT_CACHE = join(scratch.dir, 'tk-cache');
    delete process.env.HF_HUB_OFFLINE;
  });
  afterEach(() => {
    delete process.env.HF_HUB_OFFLINE;
  });
  afterAll(async () => {
    process.env = savedEnv;
    await server?.close();
    await scratch?.cleanup();
  });

  it('maps well-known names to Transformers.js repos and keeps owner/name as given', () => {
    expect(resolveModelSource('bert-base-cased', { cacheDir: '/c' })).toMatchObject({ kind: 'hub', repo: 'Xenova/bert-base-cased', revision: 'main' });
    expect(resolveModelSource('someone/my-bert', { cacheDir: '/c' })).toMatchObject({ kind: 'hub', repo: 'someone/my-bert' });
    expect(() => resolveModelSource('./no/such/folder')).toThrow(/does not exist/);
  });

  it('offline with an empty cache fails saying where it looked', async () => {
    const error = await loadTextBackbone('bert-base-cased', { offline: true, cacheDir, device: 'cpu' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("model 'bert-base-cased' (hub repo Xenova/bert-base-cased, revision main) is not in the cache");
    expect((error as Error).message).toContain(join(cacheDir, 'Xenova', 'bert-base-cased'));
    expect(server.requests).toHaveLength(0);
  });

  it('HF_HUB_OFFLINE=1 is honoured like --offline', async () => {
    process.env.HF_HUB_OFFLINE = '1';
    await expect(loadTextBackbone('bert-base-cased', { cacheDir, device: 'cpu' })).rejects.toThrow(/offline mode is on/);
    expect(server.requests).toHaveLength(0);
  });

  it('downloads from HF_ENDPOINT into the cache, then works offline from it', async () => {
    const online = await loadTextBackbone('bert-base-cased', { cacheDir, device: 'cpu' });
    // Pinned to the commit main is at: files land in that commit's folder, and the cache records the commit.
    expect(online.identity).toBe(`hub:Xenova/bert-base-cased@${FAKE_COMMIT}`);
    expect(online.reference).toMatchObject({ model: 'bert-base-cased', revision: 'main', identity: online.identity });
    expect(server.requests.map((r) => r.url)).toContain(`/Xenova/bert-base-cased/resolve/${FAKE_COMMIT}/onnx/model.onnx`);
    expect(existsSync(join(cacheDir, 'Xenova', 'bert-base-cased', FAKE_COMMIT, 'onnx', 'model.onnx'))).toBe(true);
    expect(readFileSync(join(cacheDir, 'Xenova', 'bert-base-cased', 'refs', 'main'), 'utf8')).toBe(FAKE_COMMIT);
    const inputs = [{ text: 'hello there', textPair: 'general kenobi' }];
    const expected = await online.extract(inputs, { pooling: 'cls', maxLength: 32 });
    // Attentions: the derived model lands beside the original in the Transformers.js cache.
    const attention = await online.attend(inputs[0], 32);
    expect(attention.layers).toHaveLength(2);
    expect(existsSync(join(cacheDir, 'Xenova', 'bert-base-cased', FAKE_COMMIT, 'onnx', 'model_attentions.onnx'))).toBe(true);
    await online.dispose();

    const requestsBefore = server.requests.length;
    const offline = await loadTextBackbone('bert-base-cased', { cacheDir, device: 'cpu', offline: true, attentions: true });
    expect(offline.identity).toBe(online.identity);
    const features = await offline.extract(inputs, { pooling: 'cls', maxLength: 32 });
    expect(Array.from(features.data)).toEqual(Array.from(expected.data));
    expect((await offline.attend(inputs[0], 32)).layers).toEqual(attention.layers);
    expect(server.requests.length).toBe(requestsBefore);
    await offline.dispose();
  });

  it('with attentions on an empty cache, downloads the original to derive the attention model from', async () => {
    const freshCache = join(cacheDir, '..', 'fresh-attention-cache');
    const backbone = await loadTextBackbone('bert-base-cased', { cacheDir: freshCache, device: 'cpu', attentions: true });
    expect(existsSync(join(freshCache, 'Xenova', 'bert-base-cased', FAKE_COMMIT, 'onnx', 'model.onnx'))).toBe(true);
    expect(existsSync(join(freshCache, 'Xenova', 'bert-base-cased', FAKE_COMMIT, 'onnx', 'model_attentions.onnx'))).toBe(true);
    const inputs = [{ text: 'hello there', textPair: 'general kenobi' }];
    expect((await backbone.attend(inputs[0], 32)).layers).toHaveLength(2);
    expect((await backbone.extract(inputs, { pooling: 'cls', maxLength: 32 })).rows).toBe(1);
    await backbone.dispose();
  });

  it('a repository the hub does not have is one clear runtime error', async () => {
    const error = await loadTextBackbone('nobody/missing-model', { cacheDir, device: 'cpu' }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(new RegExp(`^could not load model 'nobody/missing-model' \\(hub repo nobody/missing-model, revision main\\) from ${server.url}/`));
  });
});
