import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../heads/head.ts';
import { crossEntropy } from './loss.ts';
import type { Optimizer } from './optimizers.ts';

/**
 * One optimizer step on one batch: forward (`logits`, which uploads its own inputs), loss, autodiff
 * gradients of `variables`, clip, update. Every intermediate tensor dies in the tidy; only the two
 * scalars read back here cross it.
 */
export async function trainStep(
  optimizer: Optimizer,
  variables: NamedVariable[],
  labels: Int32Array,
  logits: () => tf.Tensor2D,
  options: { lr: number; maxGradNorm: number; classWeights: tf.Tensor1D | null },
): Promise<{ loss: number; correct: number }> {
  const [loss, correct] = tf.tidy(() => {
    const y = tf.tensor1d(labels, 'int32');
    const { value, grads, predicted } = lossAndGradients(variables, y, options.classWeights, logits);
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
): { value: tf.Scalar; grads: Map<string, tf.Tensor>; predicted: tf.Tensor1D } {
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
