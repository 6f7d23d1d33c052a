/**
 * How closely two feature matrices of the same inputs agree (int8 against fp32, say): the cosine of each
 * row pair, and the classes a head's probabilities pick.
 */
import type { FeatureMatrix } from '../core/index.ts';

/** Cosine similarity of row i of `a` with row i of `b`, for every row. */
export function rowCosines(a: FeatureMatrix, b: FeatureMatrix): Float64Array {
  if (a.rows !== b.rows || a.dim !== b.dim) throw new RangeError(`feature shapes differ: [${a.rows}, ${a.dim}] and [${b.rows}, ${b.dim}]`);
  const out = new Float64Array(a.rows);
  for (let r = 0; r < a.rows; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = r * a.dim; j < (r + 1) * a.dim; j++) {
      dot += a.data[j]! * b.data[j]!;
      na += a.data[j]! * a.data[j]!;
      nb += b.data[j]! * b.data[j]!;
    }
    out[r] = na === 0 || nb === 0 ? (na === nb ? 1 : 0) : dot / Math.sqrt(na * nb);
  }
  return out;
}

/** The index of the largest value in each row of a row-major [rows, classes] matrix. */
export function argmaxRows(probabilities: Float32Array, classes: number): Int32Array {
  const rows = probabilities.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[r * classes + c]! > probabilities[r * classes + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** Fraction of positions where the two label arrays agree. */
export function agreementRate(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) throw new RangeError(`label counts differ: ${a.length} and ${b.length}`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length === 0 ? 1 : same / a.length;
}
