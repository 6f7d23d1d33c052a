/**
 * The heads' hand-written backward pass (a measured optimisation for head-only steps, train/step.ts)
 * equals TF.js autodiff on random batches: every gradient within 1e-5 relative, on wasm (what training
 * uses here) and cpu, with dropout and class weights.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/index.ts';
import { initTf } from '../../src/heads/backend.ts';
import type { HeadSpec } from '../../src/heads/config.ts';
import { Head } from '../../src/heads/head.ts';
import { headGradients, lossAndGradients, type LossAndGradients } from '../../src/train/step.ts';

const specs: HeadSpec[] = [
  { type: 'linear', inputDim: 48, numClasses: 3 },
  { type: 'mlp', hidden: [32], activation: 'relu', dropout: 0.1, inputDim: 48, numClasses: 3 },
  { type: 'mlp', hidden: [24, 16], activation: 'gelu', dropout: 0.3, inputDim: 48, numClasses: 4 },
  { type: 'mlp', hidden: [20], activation: 'tanh', dropout: 0, inputDim: 48, numClasses: 2 },
];

/** Largest |a − b| / max(|b|) over every gradient: relative to the gradient's own scale. */
function relativeDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [name, expected] of b) {
    const got = a.get(name)!;
    const scale = Math.max(...expected.map(Math.abs));
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!) / scale);
  }
  return worst;
}

/** The values of one gradient computation, its tensors disposed. */
function collect(compute: () => LossAndGradients) {
  tf.engine().startScope();
  try {
    const out = compute();
    return {
      loss: out.value.dataSync()[0]!,
      grads: new Map([...out.grads].map(([name, t]) => [name, t.dataSync().slice() as Float32Array])),
      predicted: Array.from(out.predicted.dataSync()),
    };
  } finally {
    tf.engine().endScope();
  }
}

describe('hand-written head gradients', () => {
  for (const backend of ['wasm', 'cpu']) {
    for (const spec of specs) {
      const label = spec.type === 'linear' ? 'linear' : `mlp ${spec.hidden.join(',')} ${spec.activation} dropout ${spec.dropout}`;
      it(`equal tf.variableGrads within 1e-5 relative (${label}, ${backend})`, async () => {
        await initTf(backend);
        for (let batch = 0; batch < 3; batch++) {
          const rng = new Rng(100 + batch);
          const head = Head.create(spec, rng.derive('init'));
          const rows = [32, 7, 1][batch]!;
          const x = Float32Array.from({ length: rows * spec.inputDim }, () => rng.uniform(-3, 3));
          const y = Int32Array.from({ length: rows }, () => rng.int(spec.numClasses));
          const weights = batch === 1 ? Array.from({ length: spec.numClasses }, () => rng.uniform(0.2, 3)) : null;
          // The same dropout generator state for both, so both draw the same masks.
          const labels = tf.tensor1d(y, 'int32');
          const classWeights = weights ? tf.tensor1d(weights) : null;
          const input = () => tf.tensor2d(x, [rows, spec.inputDim]);
          const hand = collect(() => headGradients(head, input, new Rng(7).derive('dropout', batch))(labels, classWeights));
          const auto = collect(() => lossAndGradients(head.variables(), labels, classWeights, () => head.forward(input(), new Rng(7).derive('dropout', batch))));
          tf.dispose([labels, ...(classWeights ? [classWeights] : [])]);
          expect(hand.loss).toBeCloseTo(auto.loss, 5);
          expect(hand.predicted).toEqual(auto.predicted);
          expect([...hand.grads.keys()].sort()).toEqual([...auto.grads.keys()].sort());
          expect(relativeDifference(hand.grads, auto.grads)).toBeLessThanOrEqual(1e-5);
          head.dispose();
        }
      });
    }
  }
});
