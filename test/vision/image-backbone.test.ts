import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RawImage } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImageBackbone } from '../../src/backbones/load-image.ts';
import { makeResNetModel } from '../../src/fixtures/resnet.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';
import { CLASS_COLOURS, writeClassFolders } from './image-data.ts';
import { titleUnless } from '../helpers/shared.ts';
import { maxAbsDiff, plainTransformersJs } from './plain-transformers.ts';

const resnet8 = resolve(import.meta.dirname, '../../../shared/models/resnet8-cifar10');
const cifar = resolve(import.meta.dirname, '../../../shared/data/cifar10-sample');
const haveShared = existsSync(resnet8) && existsSync(cifar);

describe('image backbone parity with plain Transformers.js', () => {
  const scratch = scratchFolder('tk-image-backbone-');
  let modelDir: string;
  let files: string[];
  beforeAll(async () => {
    modelDir = join(scratch.dir, 'resnet');
    await makeResNetModel({ outDir: modelDir });
    await writeClassFolders(join(scratch.dir, 'images'), 3, 1);
    files = Object.keys(CLASS_COLOURS).flatMap((c) => readdirSync(join(scratch.dir, 'images', c)).map((f) => join(scratch.dir, 'images', c, f)));
  });

  it('generated ResNet: pooler_output and the spatial mean equal AutoModel + AutoImageProcessor (max abs diff <= 1e-5)', async () => {
    const backbone = await loadImageBackbone(modelDir, { device: 'cpu' });
    expect(backbone.reference).toMatchObject({ modality: 'image', dim: 16 });
    expect(backbone.resolvePooling()).toBe('pooler');
    const ours = await backbone.extract(files, { pooling: 'pooler', maxLength: 0, batchSize: 4 });
    const theirs = await plainTransformersJs(modelDir, files, (out) => out.pooler_output.data as Float32Array);
    expect(ours.rows).toBe(files.length);
    expect(maxAbsDiff(ours.data, theirs)).toBeLessThanOrEqual(1e-5);

    const mean = await backbone.extract(files, { pooling: 'mean', maxLength: 0 });
    const hidden = await plainTransformersJs(modelDir, files, (out) => {
      const [b, c, h, w] = out.last_hidden_state.dims;
      const data = out.last_hidden_state.data as Float32Array;
      return Float32Array.from({ length: b * c }, (_, i) => data.subarray(i * h * w, (i + 1) * h * w).reduce((s, v) => s + v, 0) / (h * w));
    });
    expect(maxAbsDiff(mean.data, hidden)).toBeLessThanOrEqual(1e-5);
    // The features are not all alike (a broken pipeline tends to give one vector for every image).
    expect(maxAbsDiff(ours.data.subarray(0, 16), ours.data.subarray(16 * 3, 16 * 4))).toBeGreaterThan(1e-3);
    await expect(backbone.extract(files, { pooling: 'cls', maxLength: 0 })).rejects.toThrow(/'cls' needs a transformer/);
    await backbone.dispose();
  });

  it('decodes Buffers and RawImages to the same features as paths; a bad buffer is one line naming it', async () => {
    const backbone = await loadImageBackbone(modelDir, { device: 'cpu' });
    const { readFileSync } = await import('node:fs');
    const fromPaths = await backbone.extract(files.slice(0, 2), { pooling: 'pooler', maxLength: 0 });
    const fromBuffers = await backbone.extract(files.slice(0, 2).map((f) => readFileSync(f)), { pooling: 'pooler', maxLength: 0 });
    const raws = await Promise.all(files.slice(0, 2).map((f) => RawImage.read(f)));
    const fromRaw = await backbone.extract(raws, { pooling: 'pooler', maxLength: 0 });
    expect(fromBuffers.data).toEqual(fromPaths.data);
    expect(fromRaw.data).toEqual(fromPaths.data);
    await expect(backbone.extract([Buffer.from('not an image')], { pooling: 'pooler', maxLength: 0 })).rejects.toMatchObject({
      kind: 'input',
      where: { file: 'image 1' },
      message: expect.stringMatching(/^cannot decode the image: /),
    });
    await backbone.dispose();
  });

  it.skipIf(!haveShared)(titleUnless(haveShared, 'ResNet8 (real weights): pooled features equal plain Transformers.js on CIFAR-10 images', `${resnet8} or ${cifar}`), async () => {
    const sample = readdirSync(join(cifar, 'test', 'cat')).slice(0, 8).map((f) => join(cifar, 'test', 'cat', f));
    const backbone = await loadImageBackbone(resnet8, { device: 'cpu' });
    const ours = await backbone.extract(sample, { pooling: backbone.resolvePooling(), maxLength: 0, batchSize: 3 });
    const theirs = await plainTransformersJs(resnet8, sample, (out) => out.pooler_output.data as Float32Array);
    expect(ours.dim).toBe(64);
    expect(maxAbsDiff(ours.data, theirs)).toBeLessThanOrEqual(1e-5);
    await backbone.dispose();
  });
});
