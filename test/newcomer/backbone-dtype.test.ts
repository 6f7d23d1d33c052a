/** Issue 10 item 21: a checkpoint records its backbone's ONNX dtype, reloads with it, and finetune takes --dtype. */
import { copyFile, cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromFlags } from '../../cli/finetune-flags.ts';
import { loadTextBackbone } from '../../src/backbones/load.ts';
import { TransferModel } from '../../src/model/transfer-model.ts';
import { defaultFinetuneConfig } from '../../src/run/config.ts';
import { runFinetune } from '../../src/run/finetune.ts';
import { makeTestBert, scratchRun } from '../helpers/tiny-model.ts';

describe('backbone dtype', () => {
  const run = scratchRun('transferkit-dtype-');

  it('a q8 backbone is recorded as q8 and reloaded as q8 (before, the reload took fp32 and failed its identity check)', async () => {
    // A model folder with a distinct onnx/model_quantized.onnx (weights of another seed stand in for int8 ones).
    const model = join(run.dir, 'model');
    await cp(run.model, model, { recursive: true });
    const other = await makeTestBert(run.dir, 'other', { seed: 7 });
    await copyFile(join(other.dir, 'onnx', 'model.onnx'), join(model, 'onnx', 'model_quantized.onnx'));

    const base = { ...defaultFinetuneConfig(), model, epochs: 1, maxTrainSamples: 40, maxEvalSamples: 20, maxLength: 32, tfBackend: 'cpu' };
    const q8 = await runFinetune({ ...base, dtype: 'q8', outputDir: join(run.dir, 'q8') }, { emit: () => {} });
    const manifest = JSON.parse(await readFile(join(q8.checkpoint!, 'manifest.json'), 'utf8'));
    expect(manifest.backbone.dtype).toBe('q8');
    expect(manifest.backbone.identity).toMatch(/^local:sha256:/);

    const reloaded = await TransferModel.loadFromCheckpoint(q8.checkpoint!);
    const prediction = await reloaded.predict([{ text: 'A man sleeps.', textPair: 'A man is awake.' }]);
    expect(prediction.labels).toHaveLength(1);
    await reloaded.dispose();

    // fp32 is recorded too, not left implicit.
    const fp32 = await loadTextBackbone(model);
    expect(fp32.reference.dtype).toBe('fp32');
    expect(fp32.identity).not.toBe(manifest.backbone.identity);
    await fp32.dispose();
  }, 300_000);

  it('finetune --dtype takes the ONNX variants and refuses others, naming the flag', () => {
    expect(configFromFlags({ dtype: 'q8' }).dtype).toBe('q8');
    expect(defaultFinetuneConfig().dtype).toBe('fp32');
    expect(() => configFromFlags({ dtype: 'q7' })).toThrow(expect.objectContaining({ line: "--dtype: must be one of fp32, fp16, q8, int8, uint8, q4, got 'q7'" }));
  });
});
