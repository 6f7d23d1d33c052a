import type { Metrics, RunEvent, RunResults } from '../../../src/train/events.ts';

export const LABELS = ['entailment', 'neutral', 'contradiction'];

/** Metrics consistent with a confusion matrix (accuracy and per-class numbers computed from it). */
export function metricsFrom(confusion: number[][], loss: number): Metrics {
  const n = confusion.flat().reduce((a, b) => a + b, 0);
  const correct = confusion.reduce((sum, row, i) => sum + row[i], 0);
  const perClass = confusion.map((row, i) => {
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((sum, r) => sum + r[i], 0);
    const precision = predicted ? row[i] / predicted : 0;
    const recall = support ? row[i] / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label: LABELS[i], precision, recall, f1, support };
  });
  const macroF1 = perClass.reduce((sum, c) => sum + c.f1, 0) / perClass.length;
  return { n, loss, accuracy: correct / n, macroF1, perClass, confusion };
}

export const runStart: RunEvent = {
  type: 'run-start',
  config: { model: 'bundled:tiny-bert', head: 'linear', pooling: 'cls' },
  device: 'cpu',
  tfBackend: 'cpu',
  labelNames: LABELS,
};

export function stepEvents(epoch: number, steps: number, from = 1, to = steps): RunEvent[] {
  const events: RunEvent[] = [];
  for (let step = from; step <= to; step += 1) {
    events.push({ type: 'step', epoch, step, steps, loss: 1.1 - 0.001 * ((epoch - 1) * steps + step), lr: 1e-3, perSecond: 640 });
  }
  return events;
}

export const matched = metricsFrom(
  [
    [40, 5, 5],
    [10, 30, 10],
    [5, 5, 40],
  ],
  0.8123,
);
export const mismatched = metricsFrom(
  [
    [30, 10, 10],
    [10, 25, 15],
    [10, 10, 30],
  ],
  0.9456,
);

export function epochEnd(epoch: number, epochs: number, evaluations: Record<string, Metrics> = { matched, mismatched }): RunEvent {
  return { type: 'epoch-end', epoch, epochs, train: { loss: 1 - epoch * 0.1, accuracy: 0.4 + epoch * 0.05 }, eval: evaluations, seconds: 12 + epoch };
}

export function results(overrides: Partial<RunResults> = {}): RunResults {
  return {
    eval: { matched, mismatched },
    train: { loss: 0.7, accuracy: 0.55, epochs: 2, steps: 20, seconds: 25, examplesPerSecond: 820 },
    stoppedEarly: false,
    interrupted: false,
    bestCheckpoint: '/tmp/run/checkpoint',
    lastCheckpoint: '/tmp/run/checkpoint',
    ...overrides,
  };
}
