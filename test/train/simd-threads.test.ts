import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/index.ts';
import { ArrayOptimizer, clipFactor, type ArrayParam } from '../../src/train/array-optimizer.ts';
import { denseGradient, type Gradient } from '../../src/train/factored-gradient.ts';
import type { OptimizerConfig } from '../../src/train/optimizers.ts';
import { ArenaWorker } from '../../src/train/simd/arena-worker.ts';
import { SimdArena } from '../../src/train/simd/simd-arena.ts';
import { splitForWorker } from '../../src/train/simd/thread-split.ts';

const random = (rng: Rng, n: number, scale: number) => Float32Array.from({ length: n }, () => rng.uniform(-scale, scale));
/** The first index where a and b differ in any bit (-1: none), in a loop: vitest's deep equality takes seconds on 10⁵⁺ floats. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const [x, y] = [new Uint32Array(a.buffer, a.byteOffset, a.length), new Uint32Array(b.buffer, b.byteOffset, b.length)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}
const names = (optimizer: ArrayOptimizer, params: ArrayParam[]) => params.filter((p) => optimizer.workerParameters.includes(p.name)).map((p) => p.name);

describe('splitForWorker', () => {
  it('gives the worker about half of the parameters, whole, largest first, and keeps one for the caller', () => {
    const lengths = [590_000, 768, 2_360_000, 590_000, 3, 2_360_000, 768, 590_000, 590_000];
    const split = splitForWorker(lengths);
    const worker = [...split].reduce((n, i) => n + lengths[i]!, 0);
    const total = lengths.reduce((a, b) => a + b, 0);
    expect(split.has(2)).toBe(true);
    expect(Math.abs(worker / total - 0.5)).toBeLessThan(0.05);
    expect(splitForWorker([10])).toEqual(new Set());
    expect(splitForWorker([10, 1]).size).toBe(1);
  });
});

describe('SimdArena kernels over parts of the arrays', () => {
  it('an update run in ranges (rows of a factored gradient, runs of a dense one) equals the update run whole', () => {
    const s = { scale: 0.7, beta1: 0.9, beta2: 0.999, keep: 0.999, epsilonHat: 1e-8, stepSize: 0.01, l2: 0 };
    const [rows, columns, rank] = [7, 12, 3];
    const twice = () => {
      const arena = SimdArena.create(4 * 200 + 2 * 64)!;
      const [p, m, v, g] = [arena.take(rows * columns), arena.take(rows * columns), arena.take(rows * columns), arena.take(rows * columns)];
      const [a, b] = [arena.take(rank * rows), arena.take(rank * columns)];
      for (const x of [p, g, a, b]) x.set(random(new Rng(x.length), x.length, 1));
      return { arena, p, m, v, g, a, b };
    };
    const [whole, parts] = [twice(), twice()];
    whole.arena.adamOuter(whole.p, whole.a, whole.b, rank, whole.m, whole.v, s);
    for (const range of [[0, 3], [3, 7]] as [number, number][]) parts.arena.call({ kernel: 'adamOuter', rank, args: parts.arena.adamOuterArgs(parts.p, parts.a, parts.b, rank, parts.m, parts.v, s, range) });
    expect([firstDifference(parts.p, whole.p), firstDifference(parts.m, whole.m), firstDifference(parts.v, whole.v)]).toEqual([-1, -1, -1]);
    whole.arena.adam(whole.p, whole.g, whole.m, whole.v, s);
    for (const range of [[0, 40], [40, rows * columns]] as [number, number][]) parts.arena.call({ kernel: 'adam', args: parts.arena.adamArgs(parts.p, parts.g, parts.m, parts.v, s, range) });
    expect([firstDifference(parts.p, whole.p), firstDifference(parts.m, whole.m), firstDifference(parts.v, whole.v)]).toEqual([-1, -1, -1]);
    expect(() => parts.arena.adamArgs(parts.p, parts.g, parts.m, parts.v, s, [2, 8])).toThrow(/range \[2, 8\)/);
  });
});

describe('ArenaWorker', () => {
  it("runs the arena's kernels on its shared memory: the same sums as the caller's thread", async () => {
    const arena = SimdArena.create(2000, { shared: true })!;
    const xs = [5, 999].map((n) => {
      const x = arena.take(n);
      x.set(random(new Rng(n), n, 3));
      return x;
    });
    const worker = ArenaWorker.start(arena, 2);
    try {
      worker.run(xs.map((x) => ({ kernel: 'sumSquares', args: arena.sumSquaresArgs(x) })));
      worker.waitAll();
      expect([worker.finished(0), worker.finished(1)]).toEqual([true, true]);
      expect([worker.result(0), worker.result(1)]).toEqual(xs.map((x) => arena.sumSquares(x)));
      // The caller's thread takes what the worker has not started: together they run every job once.
      worker.run(xs.map((x) => ({ kernel: 'sumSquares', args: arena.sumSquaresArgs(x) })));
      let helped = 0;
      while (worker.help()) helped++;
      worker.waitAll();
      expect(helped).toBeLessThanOrEqual(2);
      expect([worker.result(0), worker.result(1)]).toEqual(xs.map((x) => arena.sumSquares(x)));
    } finally {
      await worker.close();
    }
  });

  it('a kernel that traps fails the wait and every later list', async () => {
    const arena = SimdArena.create(64, { shared: true })!;
    const worker = ArenaWorker.start(arena, 1);
    try {
      // A pointer past the memory's end: the kernel traps (out of bounds).
      worker.run([{ kernel: 'sumSquares', args: [2 ** 30, 16] }]);
      expect(() => worker.waitAll()).toThrow(/arena worker: it failed/);
      expect(() => worker.run([])).toThrow(/arena worker: it failed/);
    } finally {
      await worker.close();
    }
  });
});

describe('ArrayOptimizer on two threads', () => {
  for (const kind of ['adamw', 'adam'] as const) {
    it(`${kind}: weights and state the same bits as on one thread, dense and factored gradients, odd sizes, clipping active, a parameter joining late`, async () => {
      const config: OptimizerConfig = { kind, weightDecay: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };
      const rng = new Rng(11);
      const init = { big: random(rng, 301, 1), w: random(rng, 33 * 12, 1), kernel: random(rng, 37 * 3, 1), bias: random(rng, 5, 1), late: random(rng, 91, 1) };
      const params = (): ArrayParam[] => [
        { name: 'big', data: init.big, shape: [301], decay: true },
        { name: 'w', data: init.w, shape: [33, 12], decay: true, lrScale: 0.1 },
        { name: 'kernel', data: init.kernel, shape: [37, 3], decay: true },
        { name: 'bias', data: init.bias, shape: [5], decay: false },
        { name: 'late', data: init.late, shape: [91], decay: true },
      ];
      const one = new ArrayOptimizer(config, params(), { threads: 1 });
      const two = new ArrayOptimizer(config, params(), { threads: 2 });
      // The worker's parameters: a factored and a dense one.
      expect(names(one, params())).toEqual([]);
      expect(names(two, params())).toEqual(['w', 'late']);
      expect(two.gradientBuffer('late')!.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      for (let step = 0; step < 5; step++) {
        const factors = { a: random(rng, (1 + step) * 33, 1), b: random(rng, (1 + step) * 12, 1), rank: 1 + step };
        const grads = new Map<string, Gradient>([
          ['big', random(rng, 301, 2)],
          ['w', factors],
          ['kernel', random(rng, 111, 2)],
          ['bias', random(rng, 5, 2)],
        ]);
        if (step >= 2) grads.set('late', random(rng, 91, 2));
        expect(clipFactor([...grads.values()].map(denseGradient), 1)).toBeLessThan(0.2);
        one.apply(grads, 0.01, 1);
        // As the ort engine passes them: dense gradients written into the optimizer's buffers (for the worker's, plain arrays ONNX Runtime takes).
        const written = new Map<string, Gradient>(
          [...grads].map(([name, g]) => {
            if (!(g instanceof Float32Array)) return [name, g];
            const buffer = two.gradientBuffer(name)!;
            buffer.set(g);
            return [name, buffer];
          }),
        );
        two.apply(written, 0.01, 1);
      }
      for (const { name } of params()) {
        expect(Array.from(two.weight(name))).toEqual(Array.from(one.weight(name)));
        expect(two.weight(name)).not.toEqual(init[name as keyof typeof init]);
      }
      const [a, b] = [await two.exportState(), await one.exportState()];
      expect([a.step, a.paramSteps]).toEqual([b.step, b.paramSteps]);
      expect(a.slots.map((s) => [s.name, Array.from(s.data)])).toEqual(b.slots.map((s) => [s.name, Array.from(s.data)]));
      // A state written back lands in the worker's arrays too: the next step is the one-thread optimizer's.
      const [restored1, restored2] = [new ArrayOptimizer(config, params(), { threads: 1 }), new ArrayOptimizer(config, params(), { threads: 2 })];
      restored1.importState(a);
      restored2.importState(a);
      const grads = new Map([['late', random(rng, 91, 2)]]);
      restored1.apply(grads, 0.01, 1);
      restored2.apply(grads, 0.01, 1);
      expect(Array.from(restored2.weight('late'))).toEqual(Array.from(restored1.weight('late')));
      await Promise.all([two.dispose(), restored2.dispose()]);
    });
  }

  it('large parameters go to the worker in parts (rows of a factored gradient, runs of a dense one): the same bits as on one thread', async () => {
    const config: OptimizerConfig = { kind: 'adamw', weightDecay: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };
    const rng = new Rng(3);
    // B (1000 x 612, factored) and D (400,003, dense) are the worker's; its jobs are 2^18 floats at most: 3 and 2 parts.
    const sizes = { A: 600_001, B: 612_000, C: 500_000, D: 400_003 };
    const init = Object.fromEntries(Object.entries(sizes).map(([name, n]) => [name, random(rng, n, 1)]));
    const params = (): ArrayParam[] => Object.entries(sizes).map(([name, n]) => ({ name, data: init[name]!, shape: name === 'B' ? [1000, 612] : [n], decay: true }));
    const one = new ArrayOptimizer(config, params(), { threads: 1 });
    const two = new ArrayOptimizer(config, params(), { threads: 2 });
    expect(names(two, params())).toEqual(['B', 'D']);
    for (let step = 0; step < 3; step++) {
      const grads = new Map<string, Gradient>(Object.entries(sizes).map(([name, n]) => [name, name === 'B' ? { a: random(rng, 3 * 1000, 1), b: random(rng, 3 * 612, 1), rank: 3 } : random(rng, n, 0.01)]));
      one.apply(grads, 0.01, 1);
      two.apply(grads, 0.01, 1);
    }
    for (const name of Object.keys(sizes)) {
      expect(firstDifference(two.weight(name), one.weight(name))).toBe(-1);
      expect(firstDifference(two.weight(name), init[name]!)).toBe(0);
    }
    const [a, b] = [await two.exportState(), await one.exportState()];
    expect(a.slots.map((slot) => slot.name)).toEqual(b.slots.map((slot) => slot.name));
    for (let i = 0; i < a.slots.length; i++) expect(firstDifference(a.slots[i]!.data, b.slots[i]!.data)).toBe(-1);
    await two.dispose();
  });

  it('refuses to step once disposed (its worker is gone), and disposes twice without harm', async () => {
    const config: OptimizerConfig = { kind: 'adamw', weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };
    const params: ArrayParam[] = [
      { name: 'a', data: new Float32Array(64), shape: [64], decay: false },
      { name: 'b', data: new Float32Array(8), shape: [8], decay: false },
    ];
    const optimizer = new ArrayOptimizer(config, params, { threads: 2 });
    const grads = new Map([['a', new Float32Array(64).fill(1)], ['b', new Float32Array(8).fill(1)]]);
    optimizer.apply(grads, 0.1, 0);
    await optimizer.dispose();
    await optimizer.dispose();
    expect(() => optimizer.apply(grads, 0.1, 0)).toThrow(/arena worker: closed/);
  });

  it("'auto' keeps to one thread for a small model", () => {
    const config: OptimizerConfig = { kind: 'adamw', weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };
    const params: ArrayParam[] = [
      { name: 'a', data: new Float32Array(1000), shape: [1000], decay: false },
      { name: 'b', data: new Float32Array(1000), shape: [1000], decay: false },
    ];
    expect(names(new ArrayOptimizer(config, params), params)).toEqual([]);
  });

  it('a process that never disposes its optimizer still exits (the worker does not hold it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'simd-threads-'));
    try {
      const script = join(dir, 'undisposed.mts');
      const optimizer = resolve('src/train/array-optimizer.ts');
      writeFileSync(
        script,
        `import { ArrayOptimizer } from ${JSON.stringify(optimizer)};
const config = { kind: 'adamw' as const, weightDecay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 };
const o = new ArrayOptimizer(config, [{ name: 'a', data: new Float32Array(64), shape: [64], decay: false }, { name: 'b', data: new Float32Array(8), shape: [8], decay: false }], { threads: 2 });
o.apply(new Map([['a', new Float32Array(64).fill(1)], ['b', new Float32Array(8).fill(1)]]), 0.1, 1);
console.log(o.workerParameters.includes('a'), o.weight('a')[0]!.toFixed(4));
`,
      );
      const out = execFileSync(process.execPath, [resolve('bin/run-ts.js'), script], { encoding: 'utf8', timeout: 60_000 });
      expect(out.trim()).toBe('true -0.1000');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
