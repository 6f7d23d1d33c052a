import type { FeatureMatrix } from '../core/index.ts';

/**
 * Copies the rows of one batch (by index, in order) into a fresh Float32Array. A fresh array per batch
 * because TF.js backends may keep a reference to the array they were given rather than copying it.
 */
export function gatherBatch(
  features: FeatureMatrix,
  labels: Int32Array,
  order: Int32Array,
  start: number,
  end: number,
): { x: Float32Array; y: Int32Array; rows: number } {
  const rows = end - start;
  const { dim, data } = features;
  const x = new Float32Array(rows * dim);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const row = order[start + i];
    x.set(data.subarray(row * dim, (row + 1) * dim), i * dim);
    y[i] = labels[row];
  }
  return { x, y, rows };
}

/** Class weights n / (k · count_c), as scikit-learn's 'balanced'; absent classes get 0. */
export function balancedClassWeights(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const label of labels) counts[label]++;
  return counts.map((count) => (count === 0 ? 0 : labels.length / (numClasses * count)));
}
