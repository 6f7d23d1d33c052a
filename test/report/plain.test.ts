import { captureStream } from '../helpers/capture-stream.ts';
import { describe, expect, it } from 'vitest';
import { PlainReporter } from '../../src/report/plain.ts';
import { computeMetrics } from '../../src/train/metrics.ts';
import { inputError } from '../../src/errors.ts';

const metrics = computeMetrics(Int32Array.from([0, 1, 1]), Int32Array.from([0, 1, 0]), ['a', 'b'], 0.5);

describe('PlainReporter', () => {
  it('throttles step lines to about one a second and always prints epochs and the summary', () => {
    let clock = 0;
    const out = captureStream();
    const reporter = new PlainReporter(out.stream, { now: () => clock });
    reporter.onEvent({ type: 'epoch-start', epoch: 1, epochs: 2, steps: 100 });
    for (let step = 1; step <= 100; step++) {
      clock += 50; // 20 steps a second for 5 seconds
      reporter.onEvent({ type: 'step', epoch: 1, step, steps: 100, loss: 0.5, lr: 1e-3, perSecond: 640 });
    }
    reporter.onEvent({ type: 'epoch-end', epoch: 1, epochs: 2, train: { loss: 0.4, accuracy: 0.9 }, eval: { matched: metrics }, seconds: 5 });
    reporter.onEvent({ type: 'checkpoint', path: '/ck/last', reason: 'last', epoch: 1, step: 100 });
    reporter.onEvent({ type: 'error', error: inputError('bad row', { file: 'x.tsv', line: 3 }) });
    const lines = out.lines();
    const stepLines = lines.filter((l) => l.includes(' step '));
    expect(stepLines.length).toBeGreaterThanOrEqual(5);
    expect(stepLines.length).toBeLessThanOrEqual(6);
    expect(stepLines[0]).toBe('epoch 1 step 1/100 loss 0.5000 lr 1.00e-3 640 ex/s');
    expect(lines).toContain('epoch 1/2 done in 5.0s: train loss 0.4000 acc 0.9000 | matched loss 0.5000 acc 0.6667 macro-F1 0.6667');
    expect(lines).toContain('checkpoint (last) saved to /ck/last at step 100');
    expect(lines.at(-1)).toBe('error: x.tsv:3: bad row');
  });

  it('prints the run settings as readable text, not JSON (named validation sets too)', () => {
    const out = captureStream();
    const reporter = new PlainReporter(out.stream);
    const config = { model: 'bundled:tiny-bert', train: 'train.tsv (300)', head: 'mlp', mlpHidden: [256, 128], maxLength: 64, lr: 0.001, resume: false };
    const start = { type: 'run-start' as const, device: 'cpu', tfBackend: 'wasm', labelNames: ['entailment', 'neutral', 'contradiction'] };
    reporter.onEvent({ ...start, config: { ...config, validation: { validation: 'bundled:nli-tiny/validation (600)' } } });
    reporter.onEvent({ ...start, config: { model: 'm', validation: { matched: 'm.tsv (9815)', mismatched: 'mm.tsv (9832)' } } });
    const [single, named] = out.lines();
    expect(single).toBe(
      'run: model bundled:tiny-bert; train train.tsv (300); head mlp; mlp hidden 256,128; max length 64; lr 0.001; resume false; ' +
        'validation bundled:nli-tiny/validation (600) | device cpu | tf backend wasm | labels entailment, neutral, contradiction',
    );
    expect(named).toBe('run: model m; validation matched=m.tsv (9815), mismatched=mm.tsv (9832) | device cpu | tf backend wasm | labels entailment, neutral, contradiction');
  });
});
