import * as tf from '@tensorflow/tfjs-core';
import type { Head } from '../heads/head.ts';
import { crossEntropy } from './loss.ts';
import type { Optimizer } from './optimizers.ts';
import type { Rng } from '../core/index.ts';

/**
 * One optimizer step on one batch: upload, forward, loss, backward, clip, update. Every intermediate
 * tensor dies in the tidy; only the two scalars read back here cross it.
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
    const { logits, trace } = head.forwardTrain(x, options.dropoutRng);
    const out = crossEntropy(logits, y, options.classWeights);
    optimizer.apply(head.backward(trace, out.dLogits), options.lr, options.maxGradNorm);
    return [out.loss, tf.sum(tf.cast(tf.equal(out.predicted, y), 'int32'))];
  });
  const [lossValue, correctValue] = await Promise.all([loss.data(), correct.data()]);
  loss.dispose();
  correct.dispose();
  return { loss: lossValue[0], correct: correctValue[0] };
}
