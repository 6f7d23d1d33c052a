/**
 * `--dtype q8` against a hub repo that ships its own onnx/model_quantized.onnx, as Xenova/bert-base-cased
 * does: served by the local hub look-alike, with the q8 file written by `transferkit quantize`.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
    process.env.HF_HOME = join(scratch.dir, 'hf-home'); // quantize's download goes to the default cache under it
    delete process.env.HF_HUB_OFFLINE;
  });
  afterAll(async () => {
    process.env = savedEnv;
    await server?.close();
  });

  it('downloads only the quantized file, names it in the identity (so cached features never mix), and extracts and attends', async () => {
    const q8 = await loadTextBackbone('bert-base-cased', { cacheDir, device: 'cpu', dtype: 'q8' });
    // Files are fetched at the commit main resolves to (hub models are pinned by commit).
    const fetched = server.requests.map((r) => r.url.replace(/\/resolve\/[^/]+\//, '/resolve/REV/'));
    expect(fetched).toContain('/Xenova/bert-base-cased/resolve/REV/onnx/model_quantized.onnx');
    expect(fetched).not.toContain('/Xenova/bert-base-cased/resolve/REV/onnx/model.onnx');
    expect(q8.identity).toMatch(/^hub:Xenova\/bert-base-cased@.*#q8$/);
    expect(q8.modelPath.endsWith(join('onnx', 'model_quantized.onnx'))).toBe(true);
    expect(q8.reference).toMatchObject({ model: 'bert-base-cased', dtype: 'q8' });
    const int8 = await q8.extract(inputs, options);
    const attention = await q8.attend(inputs[0]!, 32);
    expect(attention.layers).toHaveLength(2);
    // The derived attention model lands beside the downloaded q8 file, in the Transformers.js cache.
    expect(q8.modelPath.startsWith(cacheDir)).toBe(true);
    expect(existsSync(join(dirname(q8.modelPath), 'model_attentions_quantized.onnx'))).toBe(true);
    await q8.dispose();

    const fp32 = await loadTextBackbone('bert-base-cased', { cacheDir, device: 'cpu' });
    expect(fp32.identity).not.toMatch(/#/);
    const float = await fp32.extract(inputs, options);
    await fp32.dispose();
    const key = { modality: 'text' as const, preprocessing: '', pooling: 'cls', maxLength: 32, dataset: 'd'.repeat(64), encoder: 'e' };
    expect(featureCacheKeyHash({ ...key, backbone: q8.identity })).not.toBe(featureCacheKeyHash({ ...key, backbone: fp32.identity }));
    // The int8 model's features: close to fp32, not equal.
    expect(Array.from(int8.data)).not.toEqual(Array.from(float.data));
    for (const cosine of rowCosines(int8, float)) expect(cosine).toBeGreaterThan(0.999);
  });

  it('quantize takes a hub id: downloads the fp32 model into the cache, then writes the q8 copy', async () => {
    const out = join(scratch.dir, 'from-hub');
    const result = await quantizeModel('bert-base-cased', out);
    expect(server.requests.map((r) => r.url.replace(/\/resolve\/[^/]+\//, '/resolve/REV/'))).toContain('/Xenova/bert-base-cased/resolve/REV/onnx/model.onnx');
    expect(result.quantized).toBe(12);
    expect(existsSync(join(out, 'onnx', 'model_quantized.onnx'))).toBe(true);
    expect(existsSync(join(out, 'tokenizer.json'))).toBe(true);
  });

  it('offline, q8 loads from the cache without a request', async () => {
    const before = server.requests.length;
    const q8 = await loadTextBackbone('bert-base-cased', { cacheDir, device: 'cpu', dtype: 'q8', offline: true });
    await q8.extract(inputs, options);
    await q8.dispose();
    expect(server.requests.length).toBe(before);
  });
});
