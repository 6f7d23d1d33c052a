import * as tf from '@tensorflow/tfjs';
import type { Head, NamedVariable } from '../heads/head.ts';
import type { Rng } from '../core/index.ts';
import { crossEntropy, crossEntropyWithGradient } from './loss.ts';
import type { Optimizer } from './optimizers.ts';

/** The loss of one batch, the gradient of every trained variable by our name, and the predicted classes. */
export interface LossAndGradients {
  value: tf.Scalar;
  grads: Map<string, tf.Tensor>;
  predicted: tf.Tensor1D;
}

/** Computes LossAndGradients for the batch's labels (inside the step's tidy). */
export type Gradients = (labels: tf.Tensor1D, classWeights: tf.Tensor1D | null) => LossAndGradients;

/**
 * One optimizer step on one batch: forward (inside `gradients`, which uploads its own inputs), loss,
 * gradients, clip, update. Every intermediate tensor dies in the tidy; only the two scalars read back
 * here cross it.
 */
export async function trainStep(
  optimizer: Optimizer,
  labels: Int32Array,
  gradients: Gradients,
  options: { lr: number; maxGradNorm: number; classWeights: tf.Tensor1D | null },
): Promise<{ loss: number; correct: number }> {
  const [loss, correct] = tf.tidy(() => {
    const y = tf.tensor1d(labels, 'int32');
    const { value, grads, predicted } = gradients(y, options.classWeights);
    optimizer.apply(grads, options.lr, options.maxGradNorm);
    const correct = tf.sum(tf.cast(tf.equal(predicted, y), 'int32'));
    predicted.dispose();
    return [value, correct];
  });
  const [lossValue, correctValue] = await Promise.all([loss.data(), correct.data()]);
  loss.dispose();
  correct.dispose();
  return { loss: lossValue[0], correct: correctValue[0] };
}

/** Gradients of `variables` by TF.js autodiff through `logits()`: the path for backbone layers and anything else. */
export function autodiffGradients(variables: NamedVariable[], logits: () => tf.Tensor2D): Gradients {
  return (labels, classWeights) => lossAndGradients(variables, labels, classWeights, logits);
}

/**
 * The head's own hand-written backward pass (Head.forwardTraced / backward), for steps that train the
 * head alone. A measured optimisation, tested against tf.variableGrads (test/heads/head-gradients.test.ts):
 * `npm run bench:head` (both interleaved in one run, wasm, batch 32, 768 features, 2 cores under load ~16):
 * linear 11.7k vs autodiff 7.3k examples/s, MLP 256 1.9k vs 1.3k; autodiff costs 38% and 33%, past the 20%
 * the issue allows. Autodiff stays the path wherever backbone layers train.
 */
export function headGradients(head: Head, x: () => tf.Tensor2D, dropoutRng: Rng): Gradients {
  return (labels, classWeights) => {
    const { logits, trace } = head.forwardTraced(x(), dropoutRng);
    const { loss, dLogits, predicted } = crossEntropyWithGradient(logits, labels, classWeights);
    return { value: loss, grads: head.backward(trace, dLogits), predicted };
  };
}

/**
 * Cross-entropy of `logits()` and its gradient for every named variable (tf.variableGrads), keyed by
 * our names. The argmax of the same forward pass comes back too, so accuracy costs no second pass.
 * Call inside tf.tidy.
 */
export function lossAndGradients(
  variables: { name: string; variable: tf.Variable }[],
  labels: tf.Tensor1D,
  classWeights: tf.Tensor1D | null,
  logits: () => tf.Tensor2D,
): LossAndGradients {
  let predicted: tf.Tensor1D | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = crossEntropy(logits(), labels, classWeights);
    // variableGrads disposes what its function made; keep the argmax for the caller's tidy.
    predicted = tf.keep(out.predicted);
    return out.loss;
  }, variables.map((v) => v.variable));
  const byName = new Map(variables.map(({ name, variable }) => [name, grads[variable.name]!]));
  return { value, grads: byName, predicted: predicted! };
}
