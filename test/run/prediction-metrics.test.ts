import { describe, expect, it } from 'vitest';
import { predictionMetrics } from '../../src/run/checkpoint-model.ts';

describe('predictionMetrics (transferkit eval)', () => {
  it('loss is the mean NLL of the gold class, also for confident mistakes (as evaluate() computes it from log-softmax)', () => {
    // A logit gap of 46 puts 1e-20 on the gold class: NLL 46.05, not a floor of -ln(1e-12) = 27.6.
    const prediction = {
      labels: ['a', 'b'],
      labelIndices: Int32Array.from([1, 0]),
      probabilities: [Float32Array.from([1e-20, 1]), Float32Array.from([0.75, 0.25])],
    };
    const metrics = predictionMetrics(prediction, Int32Array.from([0, 0]), ['a', 'b']);
    const expected = (-Math.log(Math.fround(1e-20)) - Math.log(0.75)) / 2;
    expect(metrics.loss).toBeCloseTo(expected, 6);
    expect(metrics.accuracy).toBe(0.5);
  });
});
