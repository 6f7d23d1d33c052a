import { describe, expect, it } from 'vitest';
import { formatMetricsTable, formatResultsTable, type SummaryInput } from '../../src/report/summary.ts';
import { computeMetrics } from '../../src/train/metrics.ts';

const metrics = computeMetrics(Int32Array.from([0, 1, 1, 0]), Int32Array.from([0, 1, 0, 0]), ['a', 'b'], 0.5);
const summary = (checkpoint?: string): SummaryInput => ({
  eval: { matched: metrics },
  train: { loss: 0.4, accuracy: 0.8, epochs: 3, seconds: 2 },
  ...(checkpoint ? { checkpoint } : {}),
  resultsFile: '/r/results.json',
  device: 'cpu',
  tfBackend: 'wasm',
  interrupted: false,
  stoppedEarly: false,
});

describe('finetune results table', () => {
  it('says the eval rows are the kept checkpoint (not the last epoch the progress lines showed)', () => {
    const table = formatResultsTable(summary('/r/checkpoint/best'));
    expect(table.split('\n')[0]).toBe('metrics of the kept checkpoint (best)');
    expect(table).toMatch(/^matched +4 +75\.00% +73\.33% +0\.5000$/m);
    expect(formatResultsTable(summary()).split('\n')[0]).toBe('metrics after the last epoch');
  });

  it('names the engine that ran the training steps, not only the TF.js backend', () => {
    const last = (input: SummaryInput) => formatResultsTable(input).split('\n').at(-1);
    expect(last(summary())).toBe('done: 3 epoch(s) in 2.0 s on cpu (TF.js wasm)');
    expect(last({ ...summary(), headEngine: 'ort cpu' })).toBe('done: 3 epoch(s) in 2.0 s on cpu (head: ort cpu)');
    expect(last({ ...summary(), backboneTraining: { layers: 'layers 1-2', engine: 'ort cpu' } })).toBe('done: 3 epoch(s) in 2.0 s on cpu (layers + head: ort cpu)');
    // --unfreeze-at-epoch: the head trained alone first on another engine.
    expect(last({ ...summary(), headEngine: 'tfjs wasm', backboneTraining: { layers: 'layers 1-2', engine: 'ort cpu' } })).toBe('done: 3 epoch(s) in 2.0 s on cpu (layers + head: ort cpu; head alone: tfjs wasm)');
  });
});

describe('metrics table (eval)', () => {
  it('shows every label in full in the confusion matrix, columns aligned', () => {
    const names = ['entailment', 'neutral', 'contradiction'];
    const m = computeMetrics(Int32Array.from([0, 1, 2, 2]), Int32Array.from([0, 1, 2, 0]), names, 0.5);
    const lines = formatMetricsTable('dev', m).split('\n');
    const at = lines.indexOf('confusion (rows gold, columns predicted):');
    expect(lines.slice(at + 1)).toEqual([
      '                  entailment        neutral  contradiction',
      'entailment                 1              0              0',
      'neutral                    0              1              0',
      'contradiction              1              0              1',
    ]);
  });

  it('keeps the per-class columns aligned when a score is 100%', () => {
    const m = computeMetrics(Int32Array.from([0, 1, 2]), Int32Array.from([2, 2, 2]), ['entailment', 'neutral', 'contradiction'], 1.1);
    const lines = formatMetricsTable('dev', m).split('\n');
    const table = lines.slice(lines.indexOf('') + 1, lines.indexOf('', lines.indexOf('') + 1));
    expect(table[0]).toBe('class          precision   recall       f1  support');
    expect(table[3]).toBe('contradiction     33.33%  100.00%   50.00%        1');
    expect(new Set(table.map((line) => line.length)).size).toBe(1);
  });
});
