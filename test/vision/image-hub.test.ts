import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadImageDataset } from '../../src/data/images/index.ts';
import { startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';
import { CLASS_COLOURS, noisyImage } from './image-data.ts';

/** A Parquet shard as `datasets` writes uoft-cs/cifar10: `img` as an Image struct {bytes, path}, `label` a ClassLabel. */
function writeImageParquet(file: string, images: Buffer[], labels: number[], names: string[]) {
  mkdirSync(dirname(file), { recursive: true });
  const features = { img: { _type: 'Image' }, label: { names, _type: 'ClassLabel' } };
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'img', data: images.map((bytes, i) => ({ bytes: new Uint8Array(bytes), path: `${i}.png` })) },
      { name: 'label', data: labels.map(BigInt) },
    ],
    // The layout `datasets` writes: img is a struct of a plain byte array and a UTF-8 path.
    schema: [
      { name: 'root', num_children: 2 },
      { name: 'img', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'label', type: 'INT64', repetition_type: 'OPTIONAL' },
    ],
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }],
  });
  writeFileSync(file, new Uint8Array(buffer));
}

describe('hub image datasets (Parquet with an Image struct column) through the local hub server', () => {
  const scratch = scratchFolder('tk-image-hub-');
  let server: HubServer;
  const names = Object.keys(CLASS_COLOURS);
  beforeAll(async () => {
    const images = await Promise.all([0, 1, 2, 0, 1].map((label, i) => noisyImage(CLASS_COLOURS[names[label]], 50 + i)));
    writeImageParquet(join(scratch.dir, 'hub', 'datasets', 'someone', 'colours', 'plain_text', 'test-00000-of-00001.parquet'), images, [0, 1, 2, 0, 1], names);
    server = await startHubServer(join(scratch.dir, 'hub'));
    vi.stubEnv('HF_ENDPOINT', server.url);
    vi.stubEnv('HF_HUB_CACHE', join(scratch.dir, 'hf-cache'));
    vi.stubEnv('HF_HUB_OFFLINE', '');
    vi.stubEnv('HF_TOKEN', '');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await server.close();
  });

  it('reads owner/name/config:split: image bytes and ClassLabel names, then offline from the cache', async () => {
    const data = await loadImageDataset('someone/colours/plain_text:test');
    expect(data.labelNames).toEqual(names);
    expect(Array.from(data.labels!)).toEqual([0, 1, 2, 0, 1]);
    expect(data.images[0]).toBeInstanceOf(Uint8Array);
    expect(data.ids[0]).toMatch(/test-00000-of-00001\.parquet:1$/);
    server.requests.length = 0;
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const offline = await loadImageDataset('someone/colours/plain_text:test');
    expect(offline.contentHash).toBe(data.contentHash);
    expect(server.requests).toEqual([]);
    vi.stubEnv('HF_HUB_OFFLINE', '');
  });
});
