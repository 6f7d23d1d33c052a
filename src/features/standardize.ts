import type { FeatureMatrix } from '../core/index.ts';

/** Per-dimension mean and standard deviation of the training features, kept with the head. */
export interface Standardization {
  mean: number[];
  std: number[];
}

/** Below this a dimension counts as constant: it is centred but not scaled (no division by ~0). */
const MIN_STD = 1e-6;

/** Mean and (population) standard deviation per dimension, in float64. */
export function fitStandardization(m: FeatureMatrix): Standardization {
  const mean = new Float64Array(m.dim);
  const squares = new Float64Array(m.dim);
  for (let r = 0; r < m.rows; r++) {
    const base = r * m.dim;
    for (let d = 0; d < m.dim; d++) mean[d] += m.data[base + d];
  }
  for (let d = 0; d < m.dim; d++) mean[d] /= Math.max(1, m.rows);
  for (let r = 0; r < m.rows; r++) {
    const base = r * m.dim;
    for (let d = 0; d < m.dim; d++) squares[d] += (m.data[base + d] - mean[d]) ** 2;
  }
  const std = Array.from(squares, (s) => {
    const value = Math.sqrt(s / Math.max(1, m.rows));
    return value < MIN_STD ? 1 : value;
  });
  return { mean: Array.from(mean), std };
}

/** (x - mean) / std per dimension, as a new matrix. */
export function standardize(m: FeatureMatrix, s: Standardization): FeatureMatrix {
  if (s.mean.length !== m.dim) throw new Error(`standardization is ${s.mean.length}-dim, features are ${m.dim}-dim`);
  const data = new Float32Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    const base = r * m.dim;
    for (let d = 0; d < m.dim; d++) data[base + d] = (m.data[base + d] - s.mean[d]) / s.std[d];
  }
  return { rows: m.rows, dim: m.dim, data };
}
