import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransferKitError } from '../../src/errors.ts';
import { exportOnnx } from '../../src/export/onnx/export.ts';
import { TransferModel } from '../../src/model/transfer-model.ts';
import { FAKE_COMMIT, startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { scratchFolder, tinyModelDir } from '../helpers/tiny-model.ts';
import { exportedPredictions, maxDifference, saveRandomCheckpoint } from './onnx-fixtures.ts';

describe('export-onnx of a checkpoint on a hub backbone (local hub server)', () => {
  const scratch = scratchFolder('transferkit-export-onnx-hub-');
  let server: HubServer;
  let checkpoint: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    // The tiny model stands in for Xenova/bert-base-cased, served in the hub's URL layout.
    const repo = join(scratch.dir, 'hub', 'models', 'Xenova', 'bert-base-cased');
    await mkdir(repo, { recursive: true });
    await cp(await tinyModelDir(), repo, { recursive: true });
    server = await startHubServer(join(scratch.dir, 'hub'));
    process.env.HF_ENDPOINT = server.url;
    process.env.HF_HOME = join(scratch.dir, 'hf');
    process.env.TRANSFERKIT_CACHE = join(scratch.dir, 'tk-cache');
    delete process.env.HF_HUB_OFFLINE;
    const backbone = { model: 'bert-base-cased', revision: 'main', identity: `hub:Xenova/bert-base-cased@${FAKE_COMMIT}`, dim: 32 };
    checkpoint = await saveRandomCheckpoint({ dir: join(scratch.dir, 'checkpoint'), backbone, pooling: 'cls', maxLength: 64, head: { type: 'linear' }, inputDim: 32, seed: 2 });
  });
  afterAll(async () => {
    process.env = savedEnv;
    await server?.close();
  });

  it('offline with an empty cache fails saying where it looked; online it downloads, exports and matches predict; then offline works', async () => {
    const offlineError = await exportOnnx(checkpoint, join(scratch.dir, 'never'), { offline: true }).catch((e) => e);
    expect(offlineError).toBeInstanceOf(TransferKitError);
    expect(offlineError.message).toMatch(new RegExp(`is not in the cache: .*Xenova/bert-base-cased/${FAKE_COMMIT}/onnx/model\\.onnx is missing`));
    expect(server.requests).toHaveLength(0);

    const out = join(scratch.dir, 'exported');
    await exportOnnx(checkpoint, out);
    expect(server.requests.map((r) => r.url)).toContain(`/Xenova/bert-base-cased/resolve/${FAKE_COMMIT}/onnx/model.onnx`);
    const inputs = [{ text: 'A man is sleeping.' }, { text: 'the cat sat on the mat while a dog barked' }];
    const model = await TransferModel.loadFromCheckpoint(checkpoint, { device: 'cpu' });
    const expected = await model.predict(inputs);
    await model.dispose();
    const got = await exportedPredictions(out, inputs);
    expect(got.labels).toEqual(expected.labels);
    expect(maxDifference(got.probabilities, expected.probabilities)).toBeLessThanOrEqual(1e-5);

    const before = server.requests.length;
    await exportOnnx(checkpoint, out, { offline: true, overwrite: true });
    expect(server.requests.length).toBe(before);
  });
});
