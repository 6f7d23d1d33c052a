import type { Metrics } from './events.ts';

/** Index of the largest value (the first on ties): the predicted class of a probability row. */
export function argMax(row: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
  return best;
}

/**
 * Accuracy, macro-F1, per-class precision / recall / F1 and the confusion matrix from gold and
 * predicted class indices. `loss` is the mean (weighted) cross-entropy the caller computed.
 */
export function computeMetrics(
  gold: Int32Array,
  predicted: Int32Array,
  labelNames: string[],
  loss: number,
): Metrics {
  const k = labelNames.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < gold.length; i++) {
    confusion[gold[i]][predicted[i]]++;
    if (gold[i] === predicted[i]) correct++;
  }
  const perClass = labelNames.map((label, c) => {
    const tp = confusion[c][c];
    let predictedAsC = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predictedAsC += confusion[j][c];
      support += confusion[c][j];
    }
    const precision = predictedAsC === 0 ? 0 : tp / predictedAsC;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  // Macro-F1 over the classes present in gold or predictions (scikit-learn averages over all labels
  // passed; classes absent from both would add a meaningless 0).
  const present = perClass.filter((c, i) => c.support > 0 || confusion.some((row) => row[i] > 0));
  const macroF1 = present.length === 0 ? 0 : present.reduce((sum, c) => sum + c.f1, 0) / present.length;
  return { n: gold.length, loss, accuracy: gold.length === 0 ? 0 : correct / gold.length, macroF1, perClass, confusion };
}

/** Metric names an early-stopping or checkpoint monitor may use: `<set>/<metric>`. */
export const MONITORABLE_METRICS = ['loss', 'accuracy', 'macro_f1'] as const;
export type MonitorableMetric = (typeof MONITORABLE_METRICS)[number];

/** Reads `<set>/<metric>` (e.g. `matched/accuracy`, `train/loss`) from a round of metrics. */
export function readMonitor(
  monitor: string,
  evalMetrics: Record<string, Metrics>,
  train: { loss: number; accuracy: number },
): number {
  const { set, metric } = parseMonitor(monitor);
  if (set === 'train') {
    if (metric === 'macro_f1') throw new Error(`monitor '${monitor}': train has only loss and accuracy`);
    return train[metric];
  }
  const m = evalMetrics[set];
  if (!m) throw new Error(`monitor '${monitor}': no validation set named '${set}'`);
  return metric === 'loss' ? m.loss : metric === 'accuracy' ? m.accuracy : m.macroF1;
}

export function parseMonitor(monitor: string): { set: string; metric: MonitorableMetric } {
  const slash = monitor.lastIndexOf('/');
  const set = monitor.slice(0, slash);
  const metric = monitor.slice(slash + 1) as MonitorableMetric;
  if (slash <= 0 || !MONITORABLE_METRICS.includes(metric)) {
    throw new Error(`monitor must be '<set>/<${MONITORABLE_METRICS.join('|')}>' (e.g. 'matched/accuracy', 'train/loss'); got '${monitor}'`);
  }
  return { set, metric };
}

/** Loss is minimised, everything else maximised. */
export function defaultMode(monitor: string): 'min' | 'max' {
  return parseMonitor(monitor).metric === 'loss' ? 'min' : 'max';
}
