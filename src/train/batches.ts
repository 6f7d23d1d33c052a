import type { FeatureMatrix } from '../core/index.ts';

export interface Batch {
  x: Float32Array;
  y: Int32Array;
  rows: number;
}

/**
 * Copies the rows of one batch (by index, in order) into `into` (sized for end - start rows), else into
 * fresh arrays. Fresh arrays for TF.js, whose backends may keep a reference to the array they were given
 * rather than copying it; ONNX Runtime reads its inputs during the run, so its engine reuses one buffer.
 */
export function gatherBatch(
  features: FeatureMatrix,
  labels: Int32Array,
  order: Int32Array,
  start: number,
  end: number,
  into?: Batch,
): Batch {
  const rows = end - start;
  const { dim, data } = features;
  if (into && into.rows !== rows) throw new Error(`batch buffer holds ${into.rows} rows, not ${rows}`);
  const x = into?.x ?? new Float32Array(rows * dim);
  const y = into?.y ?? new Int32Array(rows);
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
