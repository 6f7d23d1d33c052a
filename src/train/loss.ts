import * as tf from '@tensorflow/tfjs';

/**
 * Softmax cross-entropy with optional per-class weights, as PyTorch's CrossEntropyLoss(weight=...):
 * loss = Σ w[y_i]·nll_i / Σ w[y_i]. Differentiable (tf.variableGrads); call inside tf.tidy.
 */
export function crossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  classWeights: tf.Tensor1D | null,
): { loss: tf.Scalar; predicted: tf.Tensor1D } {
  const numClasses = logits.shape[1];
  const oneHot = tf.cast(tf.oneHot(labels, numClasses), 'float32') as tf.Tensor2D;
  const logProbs = tf.logSoftmax(logits);
  const nll = tf.neg(tf.sum(tf.mul(oneHot, logProbs), 1));
  const weights = classWeights ? tf.gather(classWeights, labels) : tf.onesLike(nll);
  const total = tf.sum(weights);
  const loss = tf.div(tf.sum(tf.mul(weights, nll)), total) as tf.Scalar;
  return { loss, predicted: tf.argMax(logits, 1) as tf.Tensor1D };
}

/** Per-example negative log-likelihood (unweighted) and probabilities, for evaluation. */
export function evalBatch(logits: tf.Tensor2D, labels: tf.Tensor1D): { nll: tf.Tensor1D; probabilities: tf.Tensor2D } {
  const logProbs = tf.logSoftmax(logits);
  const oneHot = tf.cast(tf.oneHot(labels, logits.shape[1]), 'float32');
  return { nll: tf.neg(tf.sum(tf.mul(oneHot, logProbs), 1)) as tf.Tensor1D, probabilities: tf.exp(logProbs) as tf.Tensor2D };
}
