import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoImageProcessor, AutoModel, RawImage, type Tensor } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImageBackbone } from '../../src/backbones/load-image.ts';
import { makeViTModel } from '../../src/fixtures/vit.ts';
import { taskDefaults } from '../../src/run/config.ts';
import { runFinetune } from '../../src/run/finetune.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';
import { CLASS_COLOURS, writeClassFolders } from './image-data.ts';
import { maxAbsDiff, plainTransformersJs } from './plain-transformers.ts';

describe('make-model vit: a generated ViT through Transformers.js and TransferKit', () => {
  const scratch = scratchFolder('tk-vit-');
  let modelDir: string;
  let files: string[];
  beforeAll(async () => {
    modelDir = join(scratch.dir, 'vit');
    await makeViTModel({ outDir: modelDir, seed: 5 });
    await writeClassFolders(join(scratch.dir, 'train'), 8, 1);
    await writeClassFolders(join(scratch.dir, 'dev'), 4, 2);
    files = Object.keys(CLASS_COLOURS).flatMap((c) => readdirSync(join(scratch.dir, 'dev', c)).map((f) => join(scratch.dir, 'dev', c, f)));
  });

  it('loads with AutoModel + AutoImageProcessor: last_hidden_state [batch, 1 + patches, hidden], pooler_output [batch, hidden]', async () => {
    const model = await AutoModel.from_pretrained(modelDir, { device: 'cpu', dtype: 'fp32', local_files_only: true });
    const processor = await AutoImageProcessor.from_pretrained(modelDir, { local_files_only: true });
    const images = await Promise.all(files.slice(0, 2).map((f) => RawImage.read(f)));
    const { pixel_values } = await processor(images);
    expect(pixel_values.dims).toEqual([2, 3, 32, 32]); // the 16x16 PNGs resized to the config's 32
    const out = (await model({ pixel_values })) as Record<string, Tensor>;
    expect(out.last_hidden_state.dims).toEqual([2, 17, 32]); // CLS + (32 / 8)^2 patches
    expect(out.pooler_output.dims).toEqual([2, 32]);
    const pooler = out.pooler_output.data as Float32Array;
    expect(pooler.every((v) => Math.abs(v) < 1)).toBe(true); // tanh
    await model.dispose();
  });

  it('cls (the ViT default), mean and pooler pooling equal a plain Transformers.js call (max abs diff <= 1e-5)', async () => {
    let dims: number[] = [];
    const data = await plainTransformersJs(modelDir, files, (out) => {
      dims = out.last_hidden_state.dims;
      return out.last_hidden_state.data as Float32Array;
    });
    const [batch, positions, dim] = dims;
    const theirCls = Float32Array.from({ length: batch * dim }, (_, i) => data[Math.floor(i / dim) * positions * dim + (i % dim)]);
    const theirMean = Float32Array.from({ length: batch * dim }, (_, i) => {
      const [b, h] = [Math.floor(i / dim), i % dim];
      let sum = 0;
      for (let t = 1; t < positions; t++) sum += data[(b * positions + t) * dim + h];
      return sum / (positions - 1);
    });

    const backbone = await loadImageBackbone(modelDir, { device: 'cpu' });
    expect(backbone.reference).toMatchObject({ modality: 'image', dim: 32 });
    expect(backbone.resolvePooling()).toBe('cls');
    const cls = await backbone.extract(files, { pooling: 'cls', maxLength: 0, batchSize: 5 });
    const mean = await backbone.extract(files, { pooling: 'mean', maxLength: 0 });
    const pooler = await backbone.extract(files, { pooling: 'pooler', maxLength: 0 });
    await backbone.dispose();
    expect(maxAbsDiff(pooler.data, await plainTransformersJs(modelDir, files, (out) => out.pooler_output.data as Float32Array))).toBeLessThanOrEqual(1e-5);
    expect(cls.rows).toBe(files.length);
    expect(maxAbsDiff(cls.data, theirCls)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(mean.data, theirMean)).toBeLessThanOrEqual(1e-5);
    // Images of different classes give different features (a broken graph tends to give one vector for all).
    expect(maxAbsDiff(cls.data.subarray(0, 32), cls.data.subarray(32 * 11, 32 * 12))).toBeGreaterThan(1e-3);
  });

  it('finetunes with the image defaults; the checkpoint records cls pooling', async () => {
    const outcome = await runFinetune(
      { ...taskDefaults('image-classification'), model: modelDir, train: join(scratch.dir, 'train'), validation: { dev: join(scratch.dir, 'dev') }, outputDir: join(scratch.dir, 'run'), tfBackend: 'cpu' },
      { emit: () => {} },
    );
    expect(outcome.eval.dev.n).toBe(12);
    expect(outcome.eval.dev.accuracy).toBeGreaterThanOrEqual(10 / 12);
    const manifest = JSON.parse(readFileSync(join(outcome.checkpoint!, 'manifest.json'), 'utf8'));
    expect(manifest.pooling).toBe('cls');
    expect(manifest.backbone).toMatchObject({ modality: 'image', dim: 32 });
  });
});
