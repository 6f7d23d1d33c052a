import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextBackbone } from '../../../src/backbones/load.ts';
import { groupByLength } from '../../../src/backbones/split/length-groups.ts';
import { SplitEncoder, type LowerInputs } from '../../../src/backbones/split/split-encoder.ts';
import type { TextBackbone } from '../../../src/backbones/types.ts';
import { initTf } from '../../../src/heads/backend.ts';
import { tinyModelDir } from '../../helpers/tiny-model.ts';

describe('groupByLength', () => {
  it('covers every row in order, one group for equal lengths', () => {
    expect(groupByLength([], 32)).toEqual([]);
    expect(groupByLength(Array(32).fill(40), 32)).toEqual([32]);
  });

  it('cuts a batch whose lengths differ widely where padding would cost more than another group', () => {
    const lengths = [...Array(16).fill(20), ...Array(16).fill(120)];
    expect(groupByLength(lengths, 32)).toEqual([16, 32]);
    // Close lengths are not worth another group.
    expect(groupByLength([...Array(16).fill(60), ...Array(16).fill(62)], 32)).toEqual([32]);
  });
});

describe('SplitEncoder length groups', () => {
  let base: TextBackbone;
  beforeAll(async () => {
    await initTf('wasm');
    base = await loadTextBackbone(await tinyModelDir(), { device: 'cpu' });
  });
  afterAll(async () => base?.dispose());

  it('give the same pooled features, in batch order, as one padded batch (and their gradients too)', async () => {
    const short = { text: 'A cat sat.', textPair: 'A cat is sitting.' };
    const long = { text: 'The tired farmer did not buy a horse at the market on Sunday because a friend asked him twice.', textPair: 'The tired farmer bought an expensive violin at the harbour before dawn on Monday despite the rain.' };
    const texts = [long, short, long, short, short, long, short, short].map((t, i) => ({ ...t, text: `${t.text}${' again'.repeat(i)}` }));
    const encoded = base.encodeInputs(texts, 128);
    const split = await SplitEncoder.create(base, 'all');
    try {
      const inputs: LowerInputs = { kind: 'tokens', encoded };
      const indices = [...encoded.keys()];
      const grouped = await split.prepare(inputs, indices);
      const single = await split.prepare(inputs, indices, false);
      expect(grouped.groups.length).toBeGreaterThan(1);
      expect(single.groups.length).toBe(1);
      const word = split.top.variables()[0]!.variable;
      const run = (batch: typeof grouped) =>
        tf.tidy(() => {
          const weights = tf.range(1, 33).reshape([1, 32]);
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(split.pooled(batch, 'mean'), weights)) as tf.Scalar, [word]);
          return [split.pooled(batch, 'mean'), value, grads[word.name]!];
        });
      const [a, aLoss, aGrad] = run(grouped);
      const [b, bLoss, bGrad] = run(single);
      const diff = (x: tf.Tensor, y: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]!);
      expect(diff(a!, b!)).toBeLessThan(1e-5);
      expect(Math.abs(aLoss!.dataSync()[0]! - bLoss!.dataSync()[0]!)).toBeLessThan(1e-3);
      expect(diff(aGrad!, bGrad!)).toBeLessThan(1e-4);
      // Row i is example i: each example alone gives the same row.
      for (const i of indices) {
        const own = await split.prepare(inputs, [i]);
        const row = tf.tidy(() => split.pooled(own, 'mean'));
        expect(diff(row, a!.slice([i, 0], [1, 32]))).toBeLessThan(1e-5);
        row.dispose();
      }
      tf.dispose([a!, b!, aLoss!, bLoss!, aGrad!, bGrad!]);
    } finally {
      await split.dispose();
    }
  }, 60_000);
});
