import * as tf from '@tensorflow/tfjs';
import type { Head } from '../heads/head.ts';
import type { FeatureMatrix } from '../core/index.ts';
import type { Metrics } from './events.ts';
import { evalBatch } from './loss.ts';
import { computeMetrics } from './metrics.ts';

/**
 * Loss (mean unweighted cross-entropy), accuracy, macro-F1, per-class scores and confusion on one set.
 * With `probabilities` (rows × classes), the softmax of the same forward pass is written there too, so
 * a caller that also needs predictions does not run the head twice.
 */
export async function evaluate(
  head: Head,
  features: FeatureMatrix,
  labels: Int32Array,
  labelNames: string[],
  batchSize = 256,
  probabilities?: Float32Array,
): Promise<Metrics> {
  checkRows(features, labels);
  const k = head.spec.numClasses;
  if (probabilities && probabilities.length !== features.rows * k) throw new Error(`probabilities holds ${probabilities.length} values, not ${features.rows} x ${k}`);
  const predicted = new Int32Array(features.rows);
  let nllSum = 0;
  for (let start = 0; start < features.rows; start += batchSize) {
    const end = Math.min(features.rows, start + batchSize);
    const [nll, argMax, batchProbabilities] = tf.tidy(() => {
      const x = tf.tensor2d(features.data.slice(start * features.dim, end * features.dim), [end - start, features.dim]);
      const y = tf.tensor1d(labels.slice(start, end), 'int32');
      const logits = head.logits(x);
      const batch = evalBatch(logits, y);
      return [tf.sum(batch.nll), tf.argMax(logits, 1), probabilities ? batch.probabilities : null];
    });
    nllSum += (await nll.data())[0];
    predicted.set((await argMax.data()) as Int32Array, start);
    if (batchProbabilities) probabilities!.set((await batchProbabilities.data()) as Float32Array, start * k);
    nll.dispose();
    argMax.dispose();
    batchProbabilities?.dispose();
    await new Promise(setImmediate);
  }
  return computeMetrics(labels, predicted, labelNames, features.rows === 0 ? 0 : nllSum / features.rows);
}

/** Softmax probabilities, rows × classes row-major. */
export async function predictProbabilities(head: Head, features: FeatureMatrix, batchSize = 256): Promise<Float32Array> {
  const k = head.spec.numClasses;
  const out = new Float32Array(features.rows * k);
  for (let start = 0; start < features.rows; start += batchSize) {
    const end = Math.min(features.rows, start + batchSize);
    const probabilities = tf.tidy(() => {
      const x = tf.tensor2d(features.data.slice(start * features.dim, end * features.dim), [end - start, features.dim]);
      return tf.softmax(head.logits(x));
    });
    out.set((await probabilities.data()) as Float32Array, start * k);
    probabilities.dispose();
  }
  return out;
}

/** The head's penultimate representation of every row (model-as-backbone features). */
export async function penultimateFeatures(head: Head, features: FeatureMatrix, batchSize = 256): Promise<FeatureMatrix> {
  const dim = head.penultimateDim;
  const out = new Float32Array(features.rows * dim);
  for (let start = 0; start < features.rows; start += batchSize) {
    const end = Math.min(features.rows, start + batchSize);
    const h = tf.tidy(() => head.penultimate(tf.tensor2d(features.data.slice(start * features.dim, end * features.dim), [end - start, features.dim])));
    out.set((await h.data()) as Float32Array, start * dim);
    h.dispose();
  }
  return { rows: features.rows, dim, data: out };
}

function checkRows(features: FeatureMatrix, labels: Int32Array): void {
  if (features.rows !== labels.length) throw new Error(`features have ${features.rows} rows but there are ${labels.length} labels`);
  if (features.data.length !== features.rows * features.dim) throw new Error(`feature matrix holds ${features.data.length} values, expected ${features.rows} x ${features.dim}`);
}
