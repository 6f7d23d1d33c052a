import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../src/heads/backend.ts';
import { Head } from '../../src/heads/head.ts';
import type { HeadSpec } from '../../src/heads/config.ts';
import { crossEntropy } from '../../src/train/loss.ts';
import { Optimizer } from '../../src/train/optimizers.ts';
import { Rng } from '../../src/core/index.ts';
import { lossAndGradients } from '../../src/train/step.ts';

beforeAll(async () => {
  await initTf('cpu');
});

/** Loss of the head on a fixed batch, in float64 via float32 ops (for finite differences). */
function lossOf(head: Head, x: tf.Tensor2D, y: tf.Tensor1D, weights: tf.Tensor1D | null): number {
  return tf.tidy(() => crossEntropy(head.logits(x), y, weights).loss.dataSync()[0]);
}

describe('Head', () => {
  for (const activation of ['relu', 'gelu', 'tanh'] as const) {
    it(`autodiff gradients match finite differences (mlp, ${activation}, class weights)`, async () => {
      const spec: HeadSpec = { type: 'mlp', hidden: [5, 4], activation, dropout: 0, inputDim: 3, numClasses: 3 };
      const head = Head.create(spec, new Rng(3));
      const rng = new Rng(9);
      const x = tf.tensor2d(Array.from({ length: 12 }, () => rng.uniform(-2, 2)), [4, 3]);
      const y = tf.tensor1d([0, 2, 1, 2], 'int32');
      const weights = tf.tensor1d([1, 2, 0.5]);
      const grads = new Map<string, Float32Array>();
      tf.tidy(() => {
        const g = lossAndGradients(head.variables(), y, weights, () => head.forward(x, new Rng(0))).grads;
        for (const [name, t] of g) grads.set(name, t.dataSync().slice() as Float32Array);
      });
      const eps = 1e-2;
      for (const { name, variable } of head.variables()) {
        const values = variable.dataSync().slice();
        for (const i of [0, values.length - 1]) {
          const probe = (delta: number) => {
            const changed = values.slice();
            changed[i] += delta;
            variable.assign(tf.tensor(changed, variable.shape));
            return lossOf(head, x, y, weights);
          };
          const numeric = (probe(eps) - probe(-eps)) / (2 * eps);
          variable.assign(tf.tensor(values, variable.shape));
          expect(grads.get(name)![i], `${name}[${i}]`).toBeCloseTo(numeric, 2);
        }
      }
      head.dispose();
      tf.dispose([x, y, weights]);
    });
  }

  it('penultimate is the last hidden activation (or the input for a linear head)', () => {
    const rng = new Rng(1);
    const mlp = Head.create({ type: 'mlp', hidden: [6], activation: 'relu', dropout: 0.5, inputDim: 4, numClasses: 2 }, rng);
    const linear = Head.create({ type: 'linear', inputDim: 4, numClasses: 2 }, rng);
    const x = tf.tensor2d([1, 2, 3, 4, -1, 0, 1, 2], [2, 4]);
    const h = mlp.penultimate(x);
    expect(h.shape).toEqual([2, 6]);
    expect(Math.min(...h.dataSync())).toBeGreaterThanOrEqual(0);
    expect(Array.from(linear.penultimate(x).dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, h]);
    mlp.dispose();
    linear.dispose();
  });
});

describe('Optimizer', () => {
  it('AdamW takes the PyTorch step (decoupled decay on kernels, none on biases)', () => {
    const head = Head.create({ type: 'linear', inputDim: 1, numClasses: 2 }, new Rng(1));
    const [kernel, bias] = head.variables();
    kernel.variable.assign(tf.tensor2d([[1, -2]]));
    bias.variable.assign(tf.tensor1d([0.5, 0.5]));
    const opt = new Optimizer({ kind: 'adamw', weightDecay: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 }, head.variables());
    const grads = new Map<string, tf.Tensor>([
      [kernel.name, tf.tensor2d([[0.2, -0.4]])],
      [bias.name, tf.tensor1d([1, 0])],
    ]);
    opt.apply(grads, 0.01, 0);
    // step 1: m̂ = g, v̂ = g², update = lr · g/(|g|+eps) = lr · sign(g); decay: p · (1 - lr · wd)
    const k = kernel.variable.dataSync();
    expect(k[0]).toBeCloseTo(1 * (1 - 0.001) - 0.01, 6);
    expect(k[1]).toBeCloseTo(-2 * (1 - 0.001) + 0.01, 6);
    const b = bias.variable.dataSync();
    expect(b[0]).toBeCloseTo(0.5 - 0.01, 6);
    expect(b[1]).toBeCloseTo(0.5, 6);
    tf.dispose([...grads.values()]);
    opt.dispose();
    head.dispose();
  });

  it('clips gradients to a global norm and SGD uses momentum', () => {
    const head = Head.create({ type: 'linear', inputDim: 1, numClasses: 2 }, new Rng(1));
    const [kernel, bias] = head.variables();
    kernel.variable.assign(tf.tensor2d([[0, 0]]));
    bias.variable.assign(tf.tensor1d([0, 0]));
    const opt = new Optimizer({ kind: 'sgd', weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0.5 }, head.variables());
    const grads = new Map<string, tf.Tensor>([
      [kernel.name, tf.tensor2d([[3, 0]])],
      [bias.name, tf.tensor1d([0, 4])],
    ]);
    opt.apply(grads, 1, 1); // norm 5 → scaled by 1/5
    expect(kernel.variable.dataSync()[0]).toBeCloseTo(-0.6, 5);
    expect(bias.variable.dataSync()[1]).toBeCloseTo(-0.8, 5);
    opt.apply(grads, 1, 0); // buf = 0.5·buf + g
    expect(kernel.variable.dataSync()[0]).toBeCloseTo(-0.6 - (0.5 * 0.6 + 3), 4);
    tf.dispose([...grads.values()]);
    opt.dispose();
    head.dispose();
  });

  it('Adam and SGD add weight decay to the gradient (L2), after clipping', () => {
    for (const kind of ['adam', 'sgd'] as const) {
      const head = Head.create({ type: 'linear', inputDim: 1, numClasses: 2 }, new Rng(1));
      const [kernel, bias] = head.variables();
      kernel.variable.assign(tf.tensor2d([[2, -1]]));
      bias.variable.assign(tf.tensor1d([1, 1]));
      const opt = new Optimizer({ kind, weightDecay: 0.5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 }, head.variables());
      const grads = new Map<string, tf.Tensor>([
        [kernel.name, tf.tensor2d([[30, 0]])],
        [bias.name, tf.tensor1d([0, 40])],
      ]);
      opt.apply(grads, 0.1, 5); // global norm 50 → gradients scaled by 0.1: kernel g = [3, 0]
      // effective kernel gradient = [3 + 0.5·2, 0 + 0.5·(-1)] = [4, -0.5]; biases are not decayed
      const k = kernel.variable.dataSync();
      if (kind === 'sgd') {
        expect(k[0]).toBeCloseTo(2 - 0.1 * 4, 5);
        expect(k[1]).toBeCloseTo(-1 + 0.1 * 0.5, 5);
        expect(bias.variable.dataSync()[1]).toBeCloseTo(1 - 0.1 * 4, 4);
      } else {
        // Adam's first step moves each weight by lr · sign(g)
        expect(k[0]).toBeCloseTo(2 - 0.1, 5);
        expect(k[1]).toBeCloseTo(-1 + 0.1, 5);
        expect(bias.variable.dataSync()[0]).toBeCloseTo(1, 6);
      }
      tf.dispose([...grads.values()]);
      opt.dispose();
      head.dispose();
    }
  });
});
