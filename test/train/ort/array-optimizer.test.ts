import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/index.ts';
import { initTf } from '../../../src/heads/backend.ts';
import { ArrayOptimizer, type ArrayParam } from '../../../src/train/array-optimizer.ts';
import { Optimizer, type OptimizerConfig, type OptimizerKind } from '../../../src/train/optimizers.ts';

beforeAll(async () => {
  await initTf('cpu');
});

const random = (rng: Rng, n: number, scale: number) => Float32Array.from({ length: n }, () => rng.uniform(-scale, scale));

function maxRelative(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!) / Math.max(1e-3, Math.abs(b[i]!)));
  return max;
}

/** Two parameters (a decayed kernel at full lr, a bias at a tenth) trained 5 steps by both optimizers on the same gradients. */
async function trainBoth(kind: OptimizerKind, maxGradNorm: number) {
  const config: OptimizerConfig = { kind, weightDecay: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: kind === 'sgd' ? 0.9 : 0 };
  const rng = new Rng(3);
  const init = { kernel: random(rng, 12, 1), bias: random(rng, 4, 1) };
  const arrays: ArrayParam[] = [
    { name: 'kernel', data: init.kernel.slice(), shape: [3, 4], decay: true },
    { name: 'bias', data: init.bias.slice(), shape: [4], decay: false, lrScale: 0.1 },
  ];
  const variables = [
    { name: 'kernel', variable: tf.variable(tf.tensor2d(init.kernel, [3, 4])), decay: true },
    { name: 'bias', variable: tf.variable(tf.tensor1d(init.bias)), decay: false, lrScale: 0.1 },
  ];
  const onArrays = new ArrayOptimizer(config, arrays);
  const onTensors = new Optimizer(config, variables);
  for (let step = 0; step < 5; step++) {
    const grads = { kernel: random(rng, 12, 2), bias: random(rng, 4, 2) };
    onArrays.apply(new Map(Object.entries(grads)), 0.01, maxGradNorm);
    tf.tidy(() => onTensors.apply(new Map<string, tf.Tensor>([['kernel', tf.tensor2d(grads.kernel, [3, 4])], ['bias', tf.tensor1d(grads.bias)]]), 0.01, maxGradNorm));
  }
  const tensors = { kernel: (await variables[0]!.variable.data()) as Float32Array, bias: (await variables[1]!.variable.data()) as Float32Array };
  const trained = { kernel: onArrays.weight('kernel'), bias: onArrays.weight('bias') };
  return { trained, tensors, init, onArrays, onTensors, dispose: () => (onTensors.dispose(), variables.forEach((v) => v.variable.dispose())) };
}

describe('ArrayOptimizer (Float32Array) vs the TF.js Optimizer', () => {
  for (const kind of ['adamw', 'adam', 'sgd'] as const) {
    for (const maxGradNorm of [0, 0.5]) {
      it(`${kind}, clip ${maxGradNorm}: same weights after 5 steps (relative ≤ 1e-5), and they moved`, async () => {
        const { trained, tensors, init, dispose } = await trainBoth(kind, maxGradNorm);
        expect(maxRelative(trained.kernel, tensors.kernel)).toBeLessThan(1e-5);
        expect(maxRelative(trained.bias, tensors.bias)).toBeLessThan(1e-5);
        expect(maxRelative(trained.kernel, init.kernel)).toBeGreaterThan(1e-3);
        dispose();
      });
    }
  }

  it("exports the TF.js optimizer's state layout, and each imports the other's", async () => {
    const { onArrays, onTensors, dispose } = await trainBoth('adamw', 1);
    const a = await onArrays.exportState();
    const t = await onTensors.exportState();
    expect(a.slots.map((s) => [s.name, s.shape])).toEqual(t.slots.map((s) => [s.name, s.shape]));
    expect(a.step).toBe(t.step);
    for (let i = 0; i < a.slots.length; i++) expect(maxRelative(a.slots[i]!.data, t.slots[i]!.data)).toBeLessThan(1e-5);
    onArrays.importState(t);
    expect((await onArrays.exportState()).slots[0]!.data).toEqual(t.slots[0]!.data);
    dispose();
  });
});

describe('optimizer state of a parameter that has not trained yet (a backbone layer before --unfreeze-at-epoch)', () => {
  it('records 0 updates for it, so that exported and imported its first update is bias-corrected as a first one', async () => {
    const config: OptimizerConfig = { kind: 'adamw', weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };
    const params = (): ArrayParam[] => [
      { name: 'head', data: Float32Array.of(1, 1), shape: [2], decay: false },
      { name: 'layer', data: Float32Array.of(1, 1), shape: [2], decay: false },
    ];
    const optimizer = new ArrayOptimizer(config, params());
    for (let step = 0; step < 3; step++) optimizer.apply(new Map([['head', Float32Array.of(0.5, -0.5)]]), 0.1, 0);
    const state = await optimizer.exportState();
    expect(state.paramSteps).toEqual({ layer: 0 });
    const restored = new ArrayOptimizer(config, params());
    restored.importState(state);
    const both = new Map([['head', Float32Array.of(0.5, -0.5)], ['layer', Float32Array.of(0.2, -0.3)]]);
    optimizer.apply(both, 0.1, 0);
    restored.apply(both, 0.1, 0);
    // Adam's first update moves each weight by lr · sign(g) (to float32 rounding: the update runs in float32 lanes).
    const [first, second] = optimizer.weight('layer');
    expect(first).toBeCloseTo(0.9, 6);
    expect(second).toBeCloseTo(1.1, 6);
    expect(restored.weight('layer')).toEqual(optimizer.weight('layer'));
  });
});
