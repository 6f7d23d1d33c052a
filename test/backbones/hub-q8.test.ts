/**
 * `--dtype q8` against a hub repo that ships its own onnx/model_quantized.onnx, as Xenova/bert-base-cased
 * does: served by the local hub look-alike, with the q8 file written by `transferkit quantize`.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextBackbone } from '../../src/backbones/load.ts';
import { quantizeModel } from '../../src/backbones/quantize-model.ts';
import { featureCacheKeyHash } from '../../src/features/cache.ts';
import { rowCosines } from '../../src/features/agreement.ts';
import { startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { scratchFolder, tinyModelDir } from '../helpers/tiny-model.ts';

const scratch = scratchFolder('transferkit-hub-q8-');
const inputs = [
  { text: 'A man is playing a guitar on stage.', textPair: 'Someone is making music.' },
  { text: 'The cat sleeps.', textPair: 'A dog barks loudly at the mailman.' },
];
const options = { pooling: 'cls' as const, maxLength: 32 };

describe('--dtype q8 with a hub repo that ships onnx/model_quantized.onnx', () => {
  let server: HubServer;
  let cacheDir: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    const repo = join(scratch.dir, 'hub', 'models', 'Xenova', 'bert-base-cased');
    await mkdir(repo, { recursive: true });
    await cp(await tinyModelDir(), repo, { recursive: true });
    await quantizeModel(repo, repo); // adds onnx/model_quantized.onnx beside onnx/model.onnx
    server = await startHubServer(join(scratch.dir, 'hub'));
    cacheDir = join(scratch.dir, 'hf-cache');
    process.env.HF_ENDPOINT = server.url;
    process.env.TRANSFERKIT_CACHE = join(scratch.dir, 'tk-cache');
    delete process.env.HF_HUB_OFFLINE;
  });
  afterAll(async () => {
    process.env = savedEnv;
    await server?.close();
  });

  it('downloads only the quantized file, names it in the identity (so cached features never mix), and extracts and attends', async () => {
    const q8 = await loadTextBackbone('bert-base-cased', { cacheDir, device: 'cpu', dtype: 'q8' });
    const fetched = server.requests.map((r) => r.url);
    expect(fetched).toContain('/Xenova/bert-base-cased/resolve/main/onnx/model_quantized.onnx');
    expect(fetched).not.toContain('/Xenova/bert-base-cased/resolve/main/onnx/model.onnx');
    expect(q8.identity).toBe('hub:Xenova/bert-base-cased@main#q8');
    expect(q8.reference).toMatchObject({ model: 'bert-base-cased', dtype: 'q8' });
    const int8 = await q8.extract(inputs, options);
    const attention = await q8.attend(inputs[0]!, 32);
    expect(attention.layers).toHaveLength(2);
    expect(existsSync(join(cacheDir, 'Xenova', 'bert-base-cased', 'onnx', 'model_attentions_quantized.onnx'))).toBe(true);
    await q8.dispose();

    const fp32 = await loadTextBackbone('bert-base-cased', { cacheDir, device: 'cpu' });
    expect(fp32.identity).toBe('hub:Xenova/bert-base-cased@main');
    const float = await fp32.extract(inputs, options);
    await fp32.dispose();
    const key = { modality: 'text' as const, preprocessing: '', pooling: 'cls', maxLength: 32, dataset: 'd'.repeat(64) };
    expect(featureCacheKeyHash({ ...key, backbone: q8.identity })).not.toBe(featureCacheKeyHash({ ...key, backbone: fp32.identity }));
    // The int8 model's features: close to fp32, not equal.
    expect(Array.from(int8.data)).not.toEqual(Array.from(float.data));
    for (const cosine of rowCosines(int8, float)) expect(cosine).toBeGreaterThan(0.999);
  });

  it('offline, q8 loads from the cache without a request', async () => {
    const before = server.requests.length;
    const q8 = await loadTextBackbone('bert-base-cased', { cacheDir, device: 'cpu', dtype: 'q8', offline: true });
    await q8.extract(inputs, options);
    await q8.dispose();
    expect(server.requests.length).toBe(before);
  });
});
