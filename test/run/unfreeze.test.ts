import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel, initializerTensor } from '../../src/backbones/onnx/model.ts';
import { readBackboneOverrides } from '../../src/checkpoint/load.ts';
import { openCheckpoint, predictAll, predictionMetrics } from '../../src/run/checkpoint-model.ts';
import { defaultFinetuneConfig, runFinetune, type RunEvent } from '../../src/index.ts';
import { datasetInputs, loadTextDataset } from '../../src/data/index.ts';
import { scratchRun } from '../helpers/tiny-model.ts';
import { exportOnnx } from '../../src/export/onnx/export.ts';
import { exportedPredictions, maxDifference } from '../export/onnx-fixtures.ts';

describe('finetune with backbone layers (--unfreeze-top)', () => {
  const run = scratchRun('transferkit-unfreeze-');
  const config = () => ({ ...defaultFinetuneConfig(), model: run.model, epochs: 2, batchSize: 64, maxTrainSamples: 192, maxEvalSamples: 64, pooling: 'mean' as const, tfBackend: 'wasm' });

  it('top 1: trains layer 2 from cached lower states (ONNX Runtime engine, the auto choice), saves it by ONNX initializer name, and predict/eval reproduce the results', async () => {
    const events: RunEvent[] = [];
    const outcome = await runFinetune({ ...config(), unfreezeTop: 1, unfreezeAtEpoch: 1, outputDir: join(run.dir, 'top1') }, { emit: (e) => events.push(e) });
    const starts = events.filter((e) => e.type === 'epoch-start');
    expect(starts.map((e) => (e as { backboneTraining?: string | null }).backboneTraining)).toEqual([null, 'layer 2']);
    const results = JSON.parse(await readFile(outcome.resultsFile, 'utf8'));
    expect(results.backbone_training).toMatchObject({ unfreeze_top: 1, layers: 'layer 2', engine: 'ort cpu', cache_dtype: 'float16', recomputed: [] });
    expect(results.backbone_training.cache_bytes).toBeGreaterThan(0);
    // One estimate, once the layer trains (epoch 2 of 3 steps: the warm-up step, a step that builds the ort
    // session of a second shape bucket, and one timed step), kept in results.json.
    const estimates = events.filter((e) => e.type === 'estimate');
    expect(estimates).toHaveLength(1);
    expect(estimates[0]).toMatchObject({ epoch: 2, layers: 'layer 2', engine: 'ort cpu', stepsPerEpoch: 3, timedSteps: 1, suggestion: null });
    const estimate = estimates[0] as Extract<RunEvent, { type: 'estimate' }>;
    expect(estimate.secondsPerEpoch).toBeCloseTo(estimate.secondsPerStep * 3, 10);
    expect(results.backbone_training.estimate).toEqual({ seconds_per_epoch: estimate.secondsPerEpoch, seconds_per_step: estimate.secondsPerStep, steps_per_epoch: 3, timed_steps: 1, suggestion: null });

    const overrides = await readBackboneOverrides(outcome.lastCheckpoint!);
    const model = decodeModel(await readFile(join(run.model, 'onnx', 'model.onnx')));
    const initializers = new Map(model.graph.initializer.map((i) => initializerTensor(i)).map((t) => [t.name, t]));
    expect(overrides.size).toBe(16); // Q, K, V, attention output, FFN in and out (kernel + bias), two LayerNorms
    for (const [name, values] of overrides) {
      expect(name).toMatch(/^encoder\.layer\.1\./);
      expect(values.length).toBe(initializers.get(name)!.dims.reduce((a, b) => a * b, 1));
    }
    // The layer really trained: some weight moved away from the pretrained value.
    const query = 'encoder.layer.1.attention.self.query.weight';
    const original = new Float32Array(new Uint8Array(initializers.get(query)!.rawData as Uint8Array).slice().buffer);
    expect(Math.max(...overrides.get(query)!.map((v, i) => Math.abs(v - original[i]!)))).toBeGreaterThan(1e-4);

    // Exported with its trained layer, the model serves through a plain Transformers.js pipeline with predict's numbers.
    const exported = join(run.dir, 'top1-onnx');
    expect((await exportOnnx(outcome.lastCheckpoint!, exported)).overridden).toBe(16);
    const pairs = [
      { text: 'A man is sleeping.', textPair: 'A man is awake.' },
      { text: 'two dogs play', textPair: 'animals play outside' },
    ];
    const last = await openCheckpoint(outcome.lastCheckpoint!, { tfBackend: 'wasm' });
    try {
      const expected = await last.predict(pairs);
      const got = await exportedPredictions(exported, pairs);
      expect(got.labels).toEqual(expected.labels);
      expect(maxDifference(got.probabilities, expected.probabilities)).toBeLessThanOrEqual(1e-5);
    } finally {
      await last.dispose();
    }

    const data = await loadTextDataset('bundled:nli-tiny/validation', { maxSamples: 64 });
    const checkpoint = await openCheckpoint(outcome.checkpoint!, { tfBackend: 'wasm' });
    try {
      const prediction = await predictAll(checkpoint, datasetInputs(data));
      const metrics = predictionMetrics(prediction, data.labels!, checkpoint.labelNames);
      expect(metrics.accuracy).toBe(results.eval.validation.accuracy);
      expect(metrics.loss).toBeCloseTo(results.eval.validation.loss, 5);
    } finally {
      await checkpoint.dispose();
    }
  });

  it('a frozen-backbone checkpoint has no backbone overrides', async () => {
    const outcome = await runFinetune({ ...config(), epochs: 1, outputDir: join(run.dir, 'frozen') }, { emit: () => {} });
    expect((await readBackboneOverrides(outcome.checkpoint!)).size).toBe(0);
    const manifest = JSON.parse(await readFile(join(outcome.checkpoint!, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ formatVersion: 2, backboneWeights: null });
  });

  it('refuses an --unfreeze-top larger than the model, naming the flag', async () => {
    await expect(runFinetune({ ...config(), unfreezeTop: 3, outputDir: join(run.dir, 'bad') }, { emit: () => {} })).rejects.toMatchObject({
      kind: 'usage',
      where: { flag: '--unfreeze-top' },
    });
  });
});
