/**
 * A weight gradient held as two factors: W [rows, columns] gets Aᵀ·B, A [rank, rows] and B [rank,
 * columns]. A linear layer that sees only a few rows (the [CLS] row of the top layer, one per example)
 * has such a gradient; the ort engine takes it from the step graph in this form (factor-gradients.ts),
 * because the dense [rows, columns] array would have to come out of ONNX Runtime, and onnxruntime-node
 * copies every output into a fresh ArrayBuffer whose garbage then costs the JS heap a mark-compact
 * every step or two (bench/ort-step-profile.ts with and without --dense-grads).
 */
export interface FactoredGradient {
  a: Float32Array;
  b: Float32Array;
  rank: number;
}

/** A weight's gradient as the optimizer takes it: dense (the weight's layout) or factored. */
export type Gradient = Float32Array | FactoredGradient;

/** [rows, columns] of a factored gradient. */
export function factoredShape({ a, b, rank }: FactoredGradient): [number, number] {
  return [a.length / rank, b.length / rank];
}

/** The gradient as a dense array in the weight's layout (Σₖ in float64, rounded once). */
export function denseGradient(g: Gradient): Float32Array {
  if (g instanceof Float32Array) return g;
  const { a, b, rank } = g;
  const [rows, columns] = factoredShape(g);
  const out = new Float32Array(rows * columns);
  const row = new Float64Array(columns);
  for (let i = 0; i < rows; i++) {
    row.fill(0);
    for (let k = 0; k < rank; k++) {
      const scale = a[k * rows + i]!;
      for (let j = 0; j < columns; j++) row[j]! += scale * b[k * columns + j]!;
    }
    out.set(row, i * columns);
  }
  return out;
}

/** ‖Aᵀ·B‖² without forming it: Σₖₗ (Aₖ·Aₗ)(Bₖ·Bₗ), in float64. */
export function factoredSumSquares(g: FactoredGradient): number {
  const { a, b, rank } = g;
  const [rows, columns] = factoredShape(g);
  const dot = (x: Float32Array, width: number, k: number, l: number) => {
    let sum = 0;
    for (let i = 0; i < width; i++) sum += x[k * width + i]! * x[l * width + i]!;
    return sum;
  };
  let total = 0;
  // The terms are symmetric in k and l: each pair once, off-diagonal ones twice.
  for (let k = 0; k < rank; k++) for (let l = k; l < rank; l++) total += (k === l ? 1 : 2) * dot(a, rows, k, l) * dot(b, columns, k, l);
  return total;
}
