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
  const { loss, predicted } = weightedNll(logits, labels, classWeights);
  return { loss, predicted };
}

/** crossEntropy and its gradient dL/dlogits = (softmax − onehot) · w[y_i] / Σ w (the heads' hand-written backward pass). */
export function crossEntropyWithGradient(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  classWeights: tf.Tensor1D | null,
): { loss: tf.Scalar; dLogits: tf.Tensor2D; predicted: tf.Tensor1D } {
  const { loss, predicted, oneHot, logProbs, weights, total } = weightedNll(logits, labels, classWeights);
  const dLogits = tf.mul(tf.sub(tf.exp(logProbs), oneHot), tf.expandDims(tf.div(weights, total), 1)) as tf.Tensor2D;
  return { loss, dLogits, predicted };
}

function weightedNll(logits: tf.Tensor2D, labels: tf.Tensor1D, classWeights: tf.Tensor1D | null) {
  const numClasses = logits.shape[1];
  const oneHot = tf.cast(tf.oneHot(labels, numClasses), 'float32') as tf.Tensor2D;
  const logProbs = tf.logSoftmax(logits);
  const nll = tf.neg(tf.sum(tf.mul(oneHot, logProbs), 1));
  const weights = classWeights ? tf.gather(classWeights, labels) : tf.onesLike(nll);
  const total = tf.sum(weights);
  const loss = tf.div(tf.sum(tf.mul(weights, nll)), total) as tf.Scalar;
  return { loss, predicted: tf.argMax(logits, 1) as tf.Tensor1D, oneHot, logProbs, weights, total };
}

/** Per-example negative log-likelihood (unweighted) and probabilities, for evaluation. */
export function evalBatch(logits: tf.Tensor2D, labels: tf.Tensor1D): { nll: tf.Tensor1D; probabilities: tf.Tensor2D } {
  const logProbs = tf.logSoftmax(logits);
  const oneHot = tf.cast(tf.oneHot(labels, logits.shape[1]), 'float32');
  return { nll: tf.neg(tf.sum(tf.mul(oneHot, logProbs), 1)) as tf.Tensor1D, probabilities: tf.exp(logProbs) as tf.Tensor2D };
}
