import * as tf from '@tensorflow/tfjs';
import type { Head } from '../heads/head.ts';
import { crossEntropy } from './loss.ts';
import type { Optimizer } from './optimizers.ts';
import type { Rng } from '../core/index.ts';

/**
 * One optimizer step on one batch: upload, forward, loss, autodiff gradients, clip, update. Every
 * intermediate tensor dies in the tidy; only the two scalars read back here cross it.
 */
export async function trainStep(
  head: Head,
  optimizer: Optimizer,
  batch: { x: Float32Array; y: Int32Array; rows: number },
  options: { lr: number; maxGradNorm: number; classWeights: tf.Tensor1D | null; dropoutRng: Rng },
): Promise<{ loss: number; correct: number }> {
  const [loss, correct] = tf.tidy(() => {
    const x = tf.tensor2d(batch.x, [batch.rows, head.spec.inputDim]);
    const y = tf.tensor1d(batch.y, 'int32');
    const { value, grads, predicted } = lossAndGradients(head.variables(), y, options.classWeights, () => head.forward(x, options.dropoutRng));
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
