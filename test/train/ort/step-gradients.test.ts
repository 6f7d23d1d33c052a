/**
 * Gradients of the full training-step graph (ONNX Runtime, differentiated by onnx-grad) equal TF.js
 * autodiff of the TF.js engine on the same weights, batch and dropout masks: max difference ≤ 1e-4 of the
 * largest reference value of each weight's gradient, for every trained weight.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextBackbone } from '../../../src/backbones/types.ts';
import { Rng } from '../../../src/core/index.ts';
import { initTf } from '../../../src/heads/backend.ts';
import { BACKBONE_OPTIMIZER_PREFIX } from '../../../src/train/checkpoints.ts';
import { addGradients } from '../../../src/train/onnx-grad/index.ts';
import { denseGradient } from '../../../src/train/factored-gradient.ts';
import { Optimizer } from '../../../src/train/optimizers.ts';
import { lossAndGradients } from '../../../src/train/step.ts';
import { scratchRun } from '../../helpers/tiny-model.ts';
import { maxRelativeDifference } from '../onnx-grad/grad-harness.ts';
import { CLASS_WEIGHTS, HEADS, LABELS, stepFixture, tinyBackbone } from './step-fixture.ts';

const run = scratchRun('transferkit-ort-grads-');
let base: TextBackbone;

beforeAll(async () => {
  await initTf('cpu');
  base = await tinyBackbone(run.dir);
});
afterAll(() => base?.dispose());

const largest = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('training-step graph gradients (ONNX Runtime) vs TF.js autodiff', () => {
  for (const k of [1, 2, 'all'] as const) {
    for (const [headName, spec] of Object.entries(HEADS)) {
      for (const pooling of ['cls', 'mean'] as const) {
        it(`k=${k}, ${headName} head, ${pooling} pooling: loss within 1e-5, every gradient within 1e-4 (relative)`, async () => {
          const f = await stepFixture(base, k, spec, pooling, addGradients);
          try {
            const variables = [...f.head.variables(), ...f.split.top.variables().map((v) => ({ ...v, name: `${BACKBONE_OPTIMIZER_PREFIX}${v.name}` }))];
            let reference = { loss: NaN, grads: new Map<string, Float32Array>() };
            tf.tidy(() => {
              const { value, grads } = lossAndGradients(variables, tf.tensor1d(LABELS, 'int32'), tf.tensor1d(CLASS_WEIGHTS), () => f.head.forward(f.split.pooled(f.batch, pooling), new Rng(9)));
              reference = { loss: value.dataSync()[0]!, grads: new Map([...grads].map(([name, g]) => [name, g.dataSync() as Float32Array])) };
            });
            const out = await f.engine.compute('train', f.batch, { labels: LABELS, classWeights: CLASS_WEIGHTS, dropout: f.engine.dropoutMasks(f.batch.rows, new Rng(9)) });
            const grads = new Map([...out.grads].map(([name, g]) => [name, denseGradient(g)] as const));
            expect(Math.abs(out.loss - reference.loss)).toBeLessThan(1e-5);
            expect([...grads.keys()].sort()).toEqual([...reference.grads.keys()].sort());
            // With [CLS] pooling the top layer's query, attention output and FFN weights see one row per example: their gradients come as factors.
            const factored = [...out.grads.values()].filter((g) => !(g instanceof Float32Array)).length;
            expect(factored).toBe(pooling === 'cls' ? 4 : 0);
            const overall = Math.max(...[...reference.grads.values()].map(largest));
            // A key bias adds the same q·b to every score of a softmax row: its exact gradient is 0, so both
            // sides must be rounding noise (≤ 1e-6 of the largest gradient) rather than agree relatively.
            const keyBiases = new Set(f.split.top.names.layers.map((l) => `${BACKBONE_OPTIMIZER_PREFIX}${l.key.bias}`));
            let worst = { name: '', difference: 0 };
            for (const [name, expected] of reference.grads) {
              const actual = grads.get(name)!;
              const difference = keyBiases.has(name) ? Math.max(largest(actual), largest(expected)) / overall / 1e-2 : maxRelativeDifference(actual, expected);
              if (difference > worst.difference) worst = { name, difference };
            }
            expect(worst.difference, `worst: ${worst.name}`).toBeLessThanOrEqual(1e-4);
            // Every trained layer's weights get a real gradient (a loss they do not reach would agree trivially).
            const lowest = f.split.top.names.layers[0]!.query.kernel;
            expect(largest(grads.get(`${BACKBONE_OPTIMIZER_PREFIX}${lowest}`)!)).toBeGreaterThan(1e-4 * overall);
          } finally {
            await f.dispose();
          }
        });
      }
    }
  }
});

describe('gradients written into the optimizer (preallocated session outputs)', () => {
  it('equal the gradients the session returns itself, and the optimizer reads those buffers', async () => {
    const f = await stepFixture(base, 1, HEADS.linear!, 'cls', addGradients);
    const params = [...f.head.variables(), ...f.split.top.variables().map((v) => ({ ...v, name: `${BACKBONE_OPTIMIZER_PREFIX}${v.name}` }))];
    const optimizer = new Optimizer({ kind: 'adamw', weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 }, params);
    try {
      const inputs = () => ({ labels: LABELS, classWeights: CLASS_WEIGHTS, dropout: f.engine.dropoutMasks(f.batch.rows, new Rng(9)) });
      const returned = await f.engine.compute('train', f.batch, inputs());
      await f.engine.attach(params, optimizer);
      const written = await f.engine.compute('train', f.batch, inputs());
      expect(written.loss).toBe(returned.loss);
      for (const [name, grad] of returned.grads) {
        expect(largest(denseGradient(grad))).toBeGreaterThan(0);
        expect(maxRelativeDifference(denseGradient(written.grads.get(name)!), denseGradient(grad))).toBeLessThanOrEqual(1e-6);
      }
    } finally {
      optimizer.dispose();
      await f.dispose();
    }
  });
});
