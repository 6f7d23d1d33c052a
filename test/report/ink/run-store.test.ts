import { describe, expect, it } from 'vitest';
import { remainingSteps, RunStore } from '../../../src/report/ink/run-store.ts';
import { SeriesHistory } from '../../../src/report/ink/series-history.ts';
import { epochEnd, matched, mismatched, results, runStart, stepEvents } from './synthetic.ts';

describe('RunStore', () => {
  it('folds extraction events into one entry per split', () => {
    const store = new RunStore();
    store.push(runStart);
    expect(store.snapshot().phase).toBe('waiting');
    store.push({ type: 'extract-progress', split: 'train', done: 10, total: 100, perSecond: 20, cached: false });
    store.push({ type: 'extract-progress', split: 'train', done: 60, total: 100, perSecond: 30, cached: false });
    store.push({ type: 'extract-end', split: 'train', total: 100, seconds: 3, cached: false });
    store.push({ type: 'extract-end', split: 'matched', total: 40, seconds: 0.1, cached: true });
    const state = store.snapshot();
    expect(state.phase).toBe('extracting');
    expect(state.info?.labelNames).toEqual(runStart.type === 'run-start' ? runStart.labelNames : []);
    expect(state.splits).toEqual([
      { split: 'train', done: 100, total: 100, perSecond: 30, cached: false, finished: true, seconds: 3 },
      { split: 'matched', done: 40, total: 40, perSecond: 0, cached: true, finished: true, seconds: 0.1 },
    ]);
  });

  it('tracks steps, losses, epoch rows, the best epoch of the first evaluation set and the results', () => {
    const store = new RunStore();
    store.push({ type: 'epoch-start', epoch: 1, epochs: 3, steps: 4 });
    for (const event of stepEvents(1, 4)) store.push(event);
    store.push(epochEnd(1, 3, { matched: { ...matched, accuracy: 0.6 }, mismatched }));
    store.push({ type: 'epoch-start', epoch: 2, epochs: 3, steps: 4 });
    for (const event of stepEvents(2, 4, 1, 2)) store.push(event);
    let state = store.snapshot();
    expect(state.phase).toBe('training');
    expect([state.epoch, state.step, state.steps, state.globalStep]).toEqual([2, 2, 4, 6]);
    expect(state.losses).toHaveLength(6);
    expect(state.losses[5]).toBeCloseTo(1.1 - 0.006, 10);
    expect(state.validationAccuracy).toEqual([0.6]);
    expect(state.best).toEqual({ set: 'matched', accuracy: 0.6, epoch: 1 });
    expect(remainingSteps(state)).toBe(2 + 4);

    for (const event of stepEvents(2, 4, 3, 4)) store.push(event);
    store.push(epochEnd(2, 3, { matched: { ...matched, accuracy: 0.7 }, mismatched }));
    store.push(epochEnd(3, 3, { matched: { ...matched, accuracy: 0.65 }, mismatched }));
    state = store.snapshot();
    expect(state.validationAccuracy).toEqual([0.6, 0.7, 0.65]);
    expect(state.best).toEqual({ set: 'matched', accuracy: 0.7, epoch: 2 });
    expect(state.epochRows.map((r) => r.epoch)).toEqual([1, 2, 3]);

    store.push({ type: 'run-end', results: results() });
    expect(store.snapshot().phase).toBe('done');
    expect(store.snapshot().closed).toBe(false);
    store.close();
    expect(store.snapshot().closed).toBe(true);
  });

  it('measures steps per second over recent steps, leaving out pauses and evaluations', () => {
    let now = 0;
    const store = new RunStore(() => now);
    store.push({ type: 'epoch-start', epoch: 1, epochs: 1, steps: 100 });
    for (const event of stepEvents(1, 100, 1, 5)) {
      now += 500;
      store.push(event);
    }
    expect(store.snapshot().stepsPerSecond).toBeCloseTo(2, 10);
    store.push({ type: 'paused', paused: true });
    now += 60_000; // a minute paused must not drag the rate down
    store.push({ type: 'paused', paused: false });
    for (const event of stepEvents(1, 100, 6, 8)) {
      now += 100;
      store.push(event);
    }
    expect(store.snapshot().stepsPerSecond).toBeCloseTo(10, 10);
    expect(store.snapshot().paused).toBe(false);
  });

  it('changes its version on every event, and snapshots are independent copies', () => {
    const store = new RunStore();
    const v0 = store.version;
    store.push({ type: 'epoch-start', epoch: 1, epochs: 1, steps: 2 });
    expect(store.version).toBe(v0 + 1);
    const before = store.snapshot();
    for (const event of stepEvents(1, 2)) store.push(event);
    expect(before.losses).toHaveLength(0);
    expect(store.snapshot().losses).toHaveLength(2);
  });

  it('keeps the last manual evaluation, checkpoint, early stop and error', async () => {
    const store = new RunStore();
    store.push({ type: 'evaluation', epoch: 1, step: 3, eval: { matched }, reason: 'manual' });
    store.push({ type: 'checkpoint', path: '/x', reason: 'manual', epoch: 1, step: 3 });
    store.push({ type: 'early-stop', epoch: 2, monitor: 'val_loss', best: 0.5 });
    const state = store.snapshot();
    expect(state.manualEvaluation).toEqual({ epoch: 1, step: 3, eval: { matched } });
    expect(state.lastCheckpoint).toEqual({ path: '/x', reason: 'manual', epoch: 1, step: 3 });
    expect(state.earlyStop).toEqual({ epoch: 2, monitor: 'val_loss', best: 0.5 });
    const { runtimeError } = await import('../../../src/errors.ts');
    store.push({ type: 'error', error: runtimeError('boom') });
    expect(store.snapshot().phase).toBe('failed');
    expect(store.snapshot().error?.message).toBe('boom');
  });
});

describe('SeriesHistory', () => {
  it('stays within its capacity by averaging neighbours, keeping the overall shape and mean', () => {
    const history = new SeriesHistory(8);
    const pushed: number[] = [];
    for (let i = 0; i < 100; i += 1) {
      history.push(i);
      pushed.push(i);
    }
    const values = history.values();
    expect(values.length).toBeLessThanOrEqual(9);
    // Increasing input stays increasing.
    for (let i = 1; i < values.length; i += 1) expect(values[i]).toBeGreaterThan(values[i - 1]);
    expect(values[0]).toBeLessThan(10);
    expect(values[values.length - 1]).toBeGreaterThan(90);
  });

  it('keeps every point while under capacity', () => {
    const history = new SeriesHistory(8);
    [3, 1, 2].forEach((v) => history.push(v));
    expect(history.values()).toEqual([3, 1, 2]);
  });
});
