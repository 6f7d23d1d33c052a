import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/index.ts';
import { ArrayOptimizer, clipFactor, type ArrayParam } from '../../src/train/array-optimizer.ts';
import { denseGradient, factoredSumSquares, type Gradient } from '../../src/train/factored-gradient.ts';
import type { OptimizerConfig } from '../../src/train/optimizers.ts';
import { SimdArena } from '../../src/train/simd/simd-arena.ts';

const random = (rng: Rng, n: number, scale: number) => Float32Array.from({ length: n }, () => rng.uniform(-scale, scale));

/** Largest |a - b| / max(|b|, 1e-6). */
function maxRelative(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!) / Math.max(1e-6, Math.abs(b[i]!)));
  return max;
}

/**
 * Largest |a - b| over the array's largest |b|: float32 rounding of sums like m·β1 + g·(1-β1) errs by a
 * few ulps of the terms, which is large relative to a result near 0 but not relative to the array.
 */
function maxToScale(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) [diff, scale] = [Math.max(diff, Math.abs(a[i]! - b[i]!)), Math.max(scale, Math.abs(b[i]!))];
  return diff / scale;
}

describe('SIMD kernels', () => {
  it('sum of squares equals the float64 JS sum, over lengths that are not multiples of 4', () => {
    const rng = new Rng(1);
    const arena = SimdArena.create(2000)!;
    for (const n of [1, 3, 4, 5, 999]) {
      const x = arena.take(n);
      x.set(random(rng, n, 3));
      let sum = 0;
      for (const value of x) sum += value * value;
      expect(arena.sumSquares(x)).toBeCloseTo(sum, 10);
    }
  });

  it('refuses an array from outside its memory', () => {
    expect(() => SimdArena.create(16)!.sumSquares(new Float32Array(4))).toThrow(/not in this arena/);
  });
});

describe('ArrayOptimizer: SIMD path vs the JS loops', () => {
  for (const kind of ['adamw', 'adam'] as const) {
    it(`${kind}: weights and state equal to float32 rounding after 6 steps with clipping active, per-parameter lr scale, decay and step counts`, async () => {
      const config: OptimizerConfig = { kind, weightDecay: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };
      const rng = new Rng(5);
      // Lengths that are not multiples of 4 exercise the arena's zero padding.
      const init = { kernel: random(rng, 37 * 3, 1), bias: random(rng, 3, 1), layer: random(rng, 1001, 1) };
      const params = (): ArrayParam[] => [
        { name: 'kernel', data: init.kernel, shape: [37, 3], decay: true },
        { name: 'bias', data: init.bias, shape: [3], decay: false },
        { name: 'layer', data: init.layer, shape: [1001], decay: true, lrScale: 0.1 },
      ];
      const simd = new ArrayOptimizer(config, params());
      const js = new ArrayOptimizer(config, params(), { simd: false });
      for (let step = 0; step < 6; step++) {
        const grads = new Map([
          ['kernel', random(rng, 111, 2)],
          ['bias', random(rng, 3, 2)],
        ]);
        // The layer joins at step 2 (as a backbone layer unfrozen later: its own bias-correction count).
        if (step >= 2) grads.set('layer', random(rng, 1001, 2));
        expect(clipFactor([...grads.values()], 1)).toBeLessThan(0.2);
        simd.apply(grads, 0.01, 1);
        js.apply(grads, 0.01, 1);
      }
      for (const name of ['kernel', 'bias', 'layer']) {
        expect(maxToScale(simd.weight(name), js.weight(name))).toBeLessThan(1e-6);
        expect(maxRelative(simd.weight(name), init[name as keyof typeof init])).toBeGreaterThan(1e-3);
      }
      const [a, b] = [await simd.exportState(), await js.exportState()];
      expect([a.step, a.paramSteps]).toEqual([b.step, b.paramSteps]);
      expect(a.paramSteps).toEqual({ layer: 4 });
      expect(a.slots.map((s) => [s.name, s.shape])).toEqual(b.slots.map((s) => [s.name, s.shape]));
      for (let i = 0; i < a.slots.length; i++) expect(maxToScale(a.slots[i]!.data, b.slots[i]!.data)).toBeLessThan(1e-6);
    });
  }

  it('holds the weights itself: changing the array it was given changes nothing', () => {
    const config: OptimizerConfig = { kind: 'adamw', weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };
    const data = Float32Array.of(1, 2, 3);
    const optimizer = new ArrayOptimizer(config, [{ name: 'w', data, shape: [3], decay: false }]);
    data.fill(0);
    expect(Array.from(optimizer.weight('w'))).toEqual([1, 2, 3]);
  });
});

describe('factored gradients (Aᵀ·B of a few-row linear layer)', () => {
  const factored = (rng: Rng, rank: number, rows: number, columns: number) => ({ a: random(rng, rank * rows, 1), b: random(rng, rank * columns, 1), rank });

  it('dense form is Aᵀ·B, and the sum of squares from the factors equals that of the dense form', () => {
    const g = { a: Float32Array.of(1, 2, 3, 4), b: Float32Array.of(5, 6, 7, 8, 9, 10), rank: 2 }; // A [2, 2], B [2, 3]
    // W[i][j] = Σk A[k][i]·B[k][j]: A rows (1, 2), (3, 4); B rows (5, 6, 7), (8, 9, 10).
    expect(Array.from(denseGradient(g))).toEqual([1 * 5 + 3 * 8, 1 * 6 + 3 * 9, 1 * 7 + 3 * 10, 2 * 5 + 4 * 8, 2 * 6 + 4 * 9, 2 * 7 + 4 * 10]);
    const big = factored(new Rng(2), 5, 33, 12);
    const dense = denseGradient(big);
    expect(factoredSumSquares(big)).toBeCloseTo(dense.reduce((sum, x) => sum + x * x, 0), 3);
  });

  for (const kind of ['adamw', 'adam'] as const) {
    it(`${kind}: the SIMD update from factors equals the JS update from the dense gradient, to float32 rounding, with clipping active`, async () => {
      const config: OptimizerConfig = { kind, weightDecay: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };
      const rng = new Rng(8);
      const init = { w: random(rng, 33 * 12, 1), bias: random(rng, 5, 1) };
      const params = (): ArrayParam[] => [
        { name: 'w', data: init.w, shape: [33, 12], decay: true, lrScale: 0.1 },
        { name: 'bias', data: init.bias, shape: [5], decay: false },
      ];
      const simd = new ArrayOptimizer(config, params());
      const js = new ArrayOptimizer(config, params(), { simd: false });
      for (let step = 0; step < 5; step++) {
        const g = factored(rng, 1 + step, 33, 12);
        const bias = random(rng, 5, 2);
        expect(clipFactor([denseGradient(g), bias], 1)).toBeLessThan(0.5);
        simd.apply(new Map<string, Gradient>([['w', g], ['bias', bias]]), 0.01, 1);
        js.apply(new Map([['w', denseGradient(g)], ['bias', bias]]), 0.01, 1);
      }
      expect(maxToScale(simd.weight('w'), js.weight('w'))).toBeLessThan(1e-6);
      expect(maxToScale(simd.weight('bias'), js.weight('bias'))).toBeLessThan(1e-6);
      expect(maxRelative(simd.weight('w'), init.w)).toBeGreaterThan(1e-3);
      const [a, b] = [await simd.exportState(), await js.exportState()];
      for (let i = 0; i < a.slots.length; i++) expect(maxToScale(a.slots[i]!.data, b.slots[i]!.data)).toBeLessThan(1e-6);
    });
  }

  it('names the parameter when the factors do not make its weight', () => {
    const config: OptimizerConfig = { kind: 'adamw', weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };
    const optimizer = new ArrayOptimizer(config, [{ name: 'w', data: new Float32Array(12), shape: [3, 4], decay: false }]);
    expect(() => optimizer.apply(new Map([['w', { a: new Float32Array(2 * 3), b: new Float32Array(2 * 5), rank: 2 }]]), 0.1, 0)).toThrow(/gradient of 'w' has factors of \[3, 5\]/);
  });
});
