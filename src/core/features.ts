/** Features are plain memory: rows × dim, row-major, in input order. */
export interface FeatureMatrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

export function featureRow(m: FeatureMatrix, i: number): Float32Array {
  return m.data.subarray(i * m.dim, (i + 1) * m.dim);
}
