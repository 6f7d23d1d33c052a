import { Rng } from '../../src/core/index.ts';
import type { LabelledFeatures } from '../../src/train/fit.ts';

function gaussian(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** k well-separated Gaussian blobs in `dim` dimensions: linearly separable. */
export function blobs(rows: number, dim: number, k: number, seed: number, spread = 0.5): LabelledFeatures {
  const rng = new Rng(seed);
  const centres = Array.from({ length: k }, (_, c) => Float32Array.from({ length: dim }, (_, d) => (d % k === c ? 3 : 0) + (new Rng(1000 + c * dim + d).next() - 0.5)));
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = rng.int(k);
    labels[i] = c;
    for (let d = 0; d < dim; d++) data[i * dim + d] = centres[c][d] + spread * gaussian(rng);
  }
  return { features: { rows, dim, data }, labels };
}

/** XOR on the first two coordinates (label = sign(x0) != sign(x1)); other dims are noise. */
export function xor(rows: number, dim: number, seed: number): LabelledFeatures {
  const rng = new Rng(seed);
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let d = 0; d < dim; d++) data[i * dim + d] = d < 2 ? rng.uniform(-1, 1) : 0.1 * gaussian(rng);
    labels[i] = Math.sign(data[i * dim]) !== Math.sign(data[i * dim + 1]) ? 1 : 0;
  }
  return { features: { rows, dim, data }, labels };
}
