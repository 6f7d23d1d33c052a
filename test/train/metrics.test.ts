import { describe, expect, it } from 'vitest';
import { computeMetrics, parseMonitor, readMonitor } from '../../src/train/metrics.ts';
import { observe, initialMonitorState } from '../../src/train/early-stopping.ts';
import { lrMultiplier, warmupStepsFor } from '../../src/train/schedule.ts';

describe('metrics', () => {
  it('computes accuracy, per-class scores, macro-F1 and the confusion matrix', () => {
    const gold = Int32Array.from([0, 0, 0, 1, 1, 2]);
    const pred = Int32Array.from([0, 0, 1, 1, 2, 2]);
    const m = computeMetrics(gold, pred, ['a', 'b', 'c'], 0.5);
    expect(m.accuracy).toBeCloseTo(4 / 6);
    expect(m.confusion).toEqual([[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
    // a: p=1 r=2/3; b: p=1/2 r=1/2; c: p=1/2 r=1
    expect(m.perClass[0]).toMatchObject({ precision: 1, recall: 2 / 3, support: 3 });
    expect(m.perClass[0].f1).toBeCloseTo(0.8);
    expect(m.perClass[1].f1).toBeCloseTo(0.5);
    expect(m.perClass[2].f1).toBeCloseTo(2 / 3);
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3);
    expect(m.loss).toBe(0.5);
  });

  it('reads monitors by set and metric name, and rejects bad names', () => {
    const m = computeMetrics(Int32Array.from([0, 1]), Int32Array.from([0, 0]), ['a', 'b'], 0.7);
    expect(readMonitor('matched/accuracy', { matched: m }, { loss: 1, accuracy: 0 })).toBe(0.5);
    expect(readMonitor('matched/loss', { matched: m }, { loss: 1, accuracy: 0 })).toBe(0.7);
    expect(readMonitor('train/loss', {}, { loss: 1, accuracy: 0 })).toBe(1);
    expect(() => parseMonitor('val_acc')).toThrow(/<set>\//);
    expect(() => readMonitor('nope/accuracy', { matched: m }, { loss: 1, accuracy: 0 })).toThrow(/no validation set named 'nope'/);
  });

  it('early stopping counts epochs without an improvement beyond min delta', () => {
    const s = initialMonitorState();
    expect(observe(s, 0.5, 'max', 0.01)).toBe(true);
    expect(observe(s, 0.505, 'max', 0.01)).toBe(false);
    expect(observe(s, 0.52, 'max', 0.01)).toBe(true);
    expect(observe(s, 0.4, 'max', 0.01)).toBe(false);
    expect(s).toEqual({ best: 0.52, wait: 1 });
    const l = initialMonitorState();
    observe(l, 1, 'min');
    expect(observe(l, 0.9, 'min')).toBe(true);
  });

  it('schedules warmup then linear or cosine decay as the HF Trainer does', () => {
    expect(warmupStepsFor(100, 0, 0.1)).toBe(10);
    expect(warmupStepsFor(100, 7, 0.1)).toBe(7);
    expect(lrMultiplier('linear', 0, 10, 100)).toBe(0);
    expect(lrMultiplier('linear', 5, 10, 100)).toBe(0.5);
    expect(lrMultiplier('linear', 10, 10, 100)).toBe(1);
    expect(lrMultiplier('linear', 55, 10, 100)).toBe(0.5);
    expect(lrMultiplier('cosine', 55, 10, 100)).toBeCloseTo(0.5);
    expect(lrMultiplier('cosine', 100, 10, 100)).toBeCloseTo(0);
    expect(lrMultiplier('constant', 80, 10, 100)).toBe(1);
  });
});
