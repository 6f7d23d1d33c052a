import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { defaultTrainConfig, fit } from '../../src/train/index.ts';
import type { RunEvent } from '../../src/train/events.ts';
import { blobs, xor } from './synthetic.ts';

const base = () => ({ ...defaultTrainConfig(), saveBest: false, saveLast: false, tfBackend: 'cpu' });

describe('fit', () => {
  it('trains a linear head to >= 98% on linearly separable 3-class data', async () => {
    const train = blobs(1500, 16, 3, 1);
    const val = blobs(600, 16, 3, 2);
    const result = await fit({
      train,
      validation: { val },
      labelNames: ['a', 'b', 'c'],
      head: { type: 'linear' },
      config: { ...base(), epochs: 5, learningRate: 0.01 },
      tfBackend: 'cpu',
    });
    expect(result.eval.val.accuracy).toBeGreaterThanOrEqual(0.98);
    expect(result.eval.val.confusion.flat().reduce((a, b) => a + b)).toBe(600);
    result.head.dispose();
  });

  it('the MLP head learns XOR; the linear head cannot', async () => {
    const train = xor(2000, 4, 3);
    const val = xor(800, 4, 4);
    const common = { train, validation: { val }, labelNames: ['same', 'differ'], tfBackend: 'cpu' };
    const config = { ...base(), epochs: 20, batchSize: 32, learningRate: 0.01, warmupRatio: 0 };
    const mlp = await fit({ ...common, head: { type: 'mlp', hidden: [32], activation: 'relu', dropout: 0 }, config });
    const linear = await fit({ ...common, head: { type: 'linear' }, config });
    expect(mlp.eval.val.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(linear.eval.val.accuracy).toBeLessThan(0.7);
    mlp.head.dispose();
    linear.head.dispose();
  });

  it('maxGradNorm clips each step: a tiny norm holds the head near where it started, 0 leaves it unclipped', async () => {
    const train = blobs(600, 16, 3, 11);
    const val = blobs(300, 16, 3, 12);
    const run = (maxGradNorm: number, learningRate = 0.05) =>
      fit({ train, validation: { val }, labelNames: ['a', 'b', 'c'], head: { type: 'linear' }, config: { ...base(), epochs: 1, learningRate, optimizer: 'sgd', maxGradNorm }, tfBackend: 'cpu' });
    const [start, clipped, free] = [await run(0, 1e-12), await run(1e-4), await run(0)];
    expect(free.eval.val.accuracy).toBeGreaterThanOrEqual(0.95);
    // 19 SGD steps of length <= 0.05 * 1e-4 barely move the (same seeded) head from where it started.
    expect(Math.abs(clipped.eval.val.loss - start.eval.val.loss)).toBeLessThan(0.01);
    expect(free.eval.val.loss).toBeLessThan(clipped.eval.val.loss - 0.3);
    start.head.dispose();
    clipped.head.dispose();
    free.head.dispose();
  });

  it('keeps the tensor count stable across epochs and emits the event stream', async () => {
    const train = blobs(300, 8, 3, 5);
    const counts: number[] = [];
    const events: RunEvent[] = [];
    const before = tf.memory().numTensors;
    const result = await fit({
      train,
      validation: { val: blobs(100, 8, 3, 6) },
      labelNames: ['a', 'b', 'c'],
      head: { type: 'mlp', hidden: [16, 8], activation: 'gelu', dropout: 0.2 },
      config: { ...base(), epochs: 4, classWeights: 'balanced', optimizer: 'adamw' },
      tfBackend: 'cpu',
      emit: (event) => {
        events.push(event);
        if (event.type === 'epoch-end') counts.push(tf.memory().numTensors);
      },
    });
    expect(counts).toHaveLength(4);
    expect(new Set(counts).size).toBe(1);
    result.head.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'step')).toHaveLength(4 * Math.ceil(300 / 32));
    expect(types.at(-1)).toBe('run-end');
    const steps = events.filter((e): e is Extract<RunEvent, { type: 'step' }> => e.type === 'step');
    // Linear warmup over the first 10% of steps, then linear decay: lr rises then falls.
    expect(steps[0].lr).toBe(0);
    expect(Math.max(...steps.map((s) => s.lr))).toBeCloseTo(1e-3, 6);
    expect(steps.at(-1)!.lr).toBeLessThan(1e-4);
  });

  it('is reproducible for a seed and differs for another seed', async () => {
    const train = blobs(200, 8, 3, 7);
    const run = async (seed: number) => {
      const r = await fit({ train, validation: { val: blobs(100, 8, 3, 8) }, labelNames: ['a', 'b', 'c'], head: { type: 'mlp', hidden: [8], activation: 'tanh', dropout: 0.1 }, config: { ...base(), epochs: 2, seed }, tfBackend: 'cpu' });
      const weights = await r.head.readWeights();
      r.head.dispose();
      return { loss: r.eval.val.loss, weights: weights.map((w) => Array.from(w.data)) };
    };
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    expect(b).toEqual(a);
    expect(c.weights).not.toEqual(a.weights);
  });

  it('yields to the event loop every step, so other callbacks (a UI redraw) keep running', async () => {
    // A probe that re-arms itself with setImmediate runs once per event-loop turn; a loop that never
    // yielded would let it run once in total.
    let turns = 0;
    let running = true;
    const probe = () => {
      turns++;
      if (running) setImmediate(probe);
    };
    setImmediate(probe);
    let steps = 0;
    let turnsAtFirstStep = 0;
    let turnsBetweenSteps = 0;
    const r = await fit({
      train: blobs(640, 4, 3, 9),
      validation: {},
      labelNames: ['a', 'b', 'c'],
      head: { type: 'linear' },
      config: { ...base(), epochs: 1, batchSize: 8 },
      tfBackend: 'cpu',
      emit: (e) => {
        if (e.type !== 'step') return;
        steps++;
        if (steps === 1) turnsAtFirstStep = turns;
        turnsBetweenSteps = turns - turnsAtFirstStep;
      },
    });
    running = false;
    r.head.dispose();
    expect(steps).toBe(80);
    expect(turnsBetweenSteps).toBeGreaterThanOrEqual(79);
  });
});
