import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTf } from '../../src/heads/backend.ts';
import { ArrayOptimizer } from '../../src/train/array-optimizer.ts';
import { Optimizer, type OptimizerConfig } from '../../src/train/optimizers.ts';

const adamw: OptimizerConfig = { kind: 'adamw', weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };

/** A head weight and a layer weight, both decayed. */
const twoParams = (head: string, layer: string) => [
  { name: head, variable: tf.variable(tf.tensor1d([1, 2])), decay: true },
  { name: layer, variable: tf.variable(tf.tensor1d([3, -1])), decay: true },
];
/** The same gradient for each named parameter. */
const grads = (names: string[]) => new Map(names.map((name) => [name, tf.tensor1d([0.5, -0.25])]));
const read = async (params: ReturnType<typeof twoParams>) => Promise.all(params.map(async (p) => Array.from(await p.variable.data())));

describe('optimizer state across a resume', () => {
  beforeAll(async () => {
    await initTf('cpu');
  });

  it('a parameter not updated yet (layers waiting for --unfreeze-at-epoch) restarts with its own step count, not the global one', async () => {
    const make = () => twoParams('head', 'layer');

    // Uninterrupted: three head-only steps, then two steps with the layer too (bias correction from 1 for it).
    const straight = make();
    const a = new Optimizer(adamw, straight);
    for (let i = 0; i < 3; i++) a.apply(grads(['head']), 0.1, 1);
    for (let i = 0; i < 2; i++) a.apply(grads(['head', 'layer']), 0.1, 1);

    // Interrupted after the head-only steps: state exported, a fresh optimizer imports it and goes on.
    const resumed = make();
    const before = new Optimizer(adamw, resumed);
    for (let i = 0; i < 3; i++) before.apply(grads(['head']), 0.1, 1);
    const saved = await before.exportState();
    expect(saved.paramSteps).toEqual({ layer: 0 });
    const after = new Optimizer(adamw, resumed);
    after.importState(saved);
    for (let i = 0; i < 2; i++) after.apply(grads(['head', 'layer']), 0.1, 1);

    expect(await read(resumed)).toEqual(await read(straight));
  });

  it('a head-only engine hands back the head\'s state alone: the layer keeps its moments and its own step count', async () => {
    const make = () => twoParams('dense/kernel', 'backbone/layer.weight');
    const both = ['dense/kernel', 'backbone/layer.weight'];

    // Uninterrupted on TF.js: a step of both, three of the head alone, two of both.
    const straight = make();
    const a = new Optimizer(adamw, straight);
    a.apply(grads(both), 0.1, 1);
    for (let i = 0; i < 3; i++) a.apply(grads(['dense/kernel']), 0.1, 1);
    for (let i = 0; i < 2; i++) a.apply(grads(both), 0.1, 1);

    // The head-only steps on Float32Arrays over the head alone, its state imported back for the head only.
    const handed = make();
    const b = new Optimizer(adamw, handed);
    b.apply(grads(both), 0.1, 1);
    const kernel = Float32Array.from(await handed[0]!.variable.data());
    const arrays = new ArrayOptimizer(adamw, [{ name: 'dense/kernel', data: kernel, shape: [2], decay: true }]);
    arrays.importState(await b.exportState());
    for (let i = 0; i < 3; i++) arrays.apply(new Map([['dense/kernel', Float32Array.of(0.5, -0.25)]]), 0.1, 1);
    handed[0]!.variable.assign(tf.tensor1d(arrays.weight('dense/kernel')));
    b.importState(await arrays.exportState(), ['dense/kernel']);
    expect((await b.exportState()).paramSteps).toEqual({ 'backbone/layer.weight': 1 });
    for (let i = 0; i < 2; i++) b.apply(grads(both), 0.1, 1);

    const [got, expected] = [await read(handed), await read(straight)];
    got.forEach((values, i) => values.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 6)));
  });
});
