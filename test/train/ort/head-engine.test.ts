/**
 * Head-only steps on ONNX Runtime (the head's step graph, AdamW on Float32Arrays) against the TF.js
 * reference (tf.variableGrads through Head.forward, the TF.js optimizer): the same batches, dropout
 * draws, class weights and gradient clipping give the same losses, accuracy counts, weights and
 * optimizer state after several steps, to float32 rounding. And fit() trains the head on ONNX Runtime
 * by default, with the TF.js run's numbers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/index.ts';
import { initTf } from '../../../src/heads/backend.ts';
import type { HeadSpec } from '../../../src/heads/config.ts';
import { Head } from '../../../src/heads/head.ts';
import type { EngineStepOptions, HeadStepEngine } from '../../../src/train/engine.ts';
import { defaultTrainConfig, fit } from '../../../src/train/index.ts';
import { TfjsHeadSteps } from '../../../src/train/head-steps.ts';
import { addGradients } from '../../../src/train/onnx-grad/index.ts';
import { Optimizer } from '../../../src/train/optimizers.ts';
import { OrtHeadEngine } from '../../../src/train/ort/head-engine.ts';
import { blobs } from '../synthetic.ts';

const CASES: { label: string; spec: HeadSpec; classWeights: number[] | null }[] = [
  { label: 'linear', spec: { type: 'linear', inputDim: 24, numClasses: 3 }, classWeights: null },
  { label: 'linear, class weights', spec: { type: 'linear', inputDim: 24, numClasses: 3 }, classWeights: [0.5, 2, 1.25] },
  { label: 'mlp 16 relu dropout 0.25, class weights', spec: { type: 'mlp', hidden: [16], activation: 'relu', dropout: 0.25, inputDim: 24, numClasses: 3 }, classWeights: [1.5, 0.75, 1] },
  { label: 'mlp 12,8 gelu dropout 0.1', spec: { type: 'mlp', hidden: [12, 8], activation: 'gelu', dropout: 0.1, inputDim: 24, numClasses: 4 }, classWeights: null },
  { label: 'mlp 10 tanh', spec: { type: 'mlp', hidden: [10], activation: 'tanh', dropout: 0, inputDim: 24, numClasses: 2 }, classWeights: null },
];
const BATCH = 8;
/** 5 steps: four of 8 rows, then a short one of 5 (a second session shape). */
const ROWS = 37;
const optimizerConfig = { kind: 'adamw' as const, weightDecay: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };

/** Largest |a − b| over `b`'s largest magnitude. */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  const scale = Math.max(...b.map(Math.abs), 1e-30);
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
  return worst;
}

async function train(engine: HeadStepEngine, spec: HeadSpec, classWeights: number[] | null, tensor: EngineStepOptions['classWeightsTensor']) {
  const rng = new Rng(3);
  const features = { rows: ROWS, dim: spec.inputDim, data: Float32Array.from({ length: ROWS * spec.inputDim }, () => rng.uniform(-2, 2)) };
  const labels = Int32Array.from({ length: ROWS }, () => rng.int(spec.numClasses));
  const order = new Rng(4).permutation(ROWS);
  const steps = [];
  for (let step = 0, start = 0; start < ROWS; step++, start += BATCH) {
    // A small clipping norm, so the global-norm clip is active on every step.
    const options: EngineStepOptions = { lr: 0.01 * (step + 1), maxGradNorm: 0.05, classWeights: classWeights ? Float32Array.from(classWeights) : null, classWeightsTensor: tensor };
    steps.push(await engine.step({ features, labels }, order, start, Math.min(ROWS, start + BATCH), new Rng(7).derive('dropout', step), options));
  }
  await engine.flush();
  return steps;
}

describe('head-only steps on ONNX Runtime vs the TF.js reference', () => {
  beforeAll(async () => {
    await initTf('cpu');
  });

  for (const { label, spec, classWeights } of CASES) {
    it(`${label}: losses within 1e-5, same accuracy counts, weights and AdamW state within 1e-5 (relative) after 5 clipped steps`, async () => {
      const tf = await import('@tensorflow/tfjs');
      const results = [];
      for (const which of ['ort', 'tfjs'] as const) {
        const head = Head.create(spec, new Rng(11));
        const optimizer = new Optimizer(optimizerConfig, head.variables());
        const tensor = classWeights ? tf.tensor1d(classWeights) : null;
        const engine = which === 'ort' ? await OrtHeadEngine.create(spec, head.variables(), optimizer, addGradients, BATCH) : new TfjsHeadSteps(head, optimizer, 'autodiff', 'cpu');
        try {
          const steps = await train(engine, spec, classWeights, tensor);
          results.push({ steps, weights: await head.readWeights(), state: await optimizer.exportState() });
        } finally {
          await engine.dispose();
          tensor?.dispose();
          optimizer.dispose();
          head.dispose();
        }
      }
      const [ort, tfjs] = results as [(typeof results)[0], (typeof results)[0]];
      expect(ort.steps.map((s) => s.correct)).toEqual(tfjs.steps.map((s) => s.correct));
      ort.steps.forEach((s, i) => expect(Math.abs(s.loss - tfjs.steps[i]!.loss)).toBeLessThanOrEqual(1e-5 * Math.max(1, tfjs.steps[i]!.loss)));
      expect(ort.weights.map((w) => w.name)).toEqual(tfjs.weights.map((w) => w.name));
      ort.weights.forEach((w, i) => expect(relativeDifference(w.data, tfjs.weights[i]!.data), w.name).toBeLessThanOrEqual(1e-5));
      expect(ort.state.step).toBe(tfjs.state.step);
      ort.state.slots.forEach((slot, i) => expect(relativeDifference(slot.data, tfjs.state.slots[i]!.data), slot.name).toBeLessThanOrEqual(1e-4));
    });
  }

  it('fit() trains a head-only run on ONNX Runtime by default, with the TF.js run\'s losses and metrics', async () => {
    const run = async (headEngine?: 'tfjs') => {
      const result = await fit({
        train: blobs(200, 12, 3, 61, 1.5),
        validation: { dev: blobs(60, 12, 3, 62, 1.5) },
        labelNames: ['a', 'b', 'c'],
        head: { type: 'mlp', hidden: [8], activation: 'relu', dropout: 0.2 },
        config: { ...defaultTrainConfig(), epochs: 2, batchSize: 16, learningRate: 0.01, classWeights: 'balanced', saveBest: false, saveLast: false },
        tfBackend: 'cpu',
        ...(headEngine ? { headEngine } : {}),
      });
      result.head.dispose();
      return result;
    };
    const [ort, tfjs] = [await run(), await run('tfjs')];
    expect(ort.headEngine).toBe('ort cpu');
    expect(tfjs.headEngine).toBe('tfjs cpu');
    expect(Math.abs(ort.train.loss - tfjs.train.loss)).toBeLessThanOrEqual(1e-5);
    expect(ort.train.accuracy).toBe(tfjs.train.accuracy);
    expect(Math.abs(ort.eval.dev!.loss - tfjs.eval.dev!.loss)).toBeLessThanOrEqual(1e-5);
    expect(ort.eval.dev!.confusion).toEqual(tfjs.eval.dev!.confusion);
  });
});
