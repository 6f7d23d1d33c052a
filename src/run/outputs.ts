import { join } from 'node:path';
import type { BackboneReference } from '../core/index.ts';
import { atomicWriteFile } from '../io/atomic.ts';
import type { Metrics } from '../train/events.ts';
import { argMax } from '../train/metrics.ts';
import type { FinetuneConfig } from './config.ts';
import type { FinetuneOutcome } from './outcome.ts';
import type { RunSplit } from './splits.ts';

export interface SplitExtraction {
  rows: number;
  seconds: number;
  cached: boolean;
  computedRows: number;
  rebuilt?: string;
}

/** The public results.json shape for one evaluation set (snake_case keys, as run_glue writes them). */
export function metricsJson(m: Metrics) {
  return {
    accuracy: m.accuracy,
    macro_f1: m.macroF1,
    loss: m.loss,
    n: m.n,
    confusion: m.confusion,
    per_class: Object.fromEntries(m.perClass.map((c) => [c.label, { precision: c.precision, recall: c.recall, f1: c.f1, support: c.support }])),
  };
}

/** One predictions-<name>.jsonl line per example, in input order. */
export function predictionLines(data: RunSplit, probabilities: Float32Array, labelNames: string[]): string {
  const k = labelNames.length;
  const lines: string[] = [];
  for (let i = 0; i < data.inputs.length; i++) {
    const row = probabilities.subarray(i * k, (i + 1) * k);
    const best = argMax(row);
    lines.push(
      JSON.stringify({
        index: i,
        ...data.rowInfo(i),
        gold: data.labels ? labelNames[data.labels[i]] : null,
        predicted: labelNames[best],
        probabilities: Object.fromEntries(labelNames.map((name, c) => [name, row[c]])),
      }),
    );
  }
  return lines.join('\n') + '\n';
}

export interface RunOutputs {
  outcome: FinetuneOutcome;
  config: FinetuneConfig;
  labelNames: string[];
  backbone: BackboneReference;
  extraction: Record<string, SplitExtraction>;
  validation: Record<string, RunSplit>;
  probabilities: Record<string, Float32Array>;
  trainRows: number;
  standardize?: boolean;
}

/** results.json and predictions-<name>.jsonl, each written whole (temp file + rename) or not at all. */
export async function writeRunOutputs(o: RunOutputs): Promise<void> {
  const { outcome } = o;
  for (const [name, data] of Object.entries(o.validation)) {
    await atomicWriteFile(join(outcome.outputDir, `predictions-${name}.jsonl`), predictionLines(data, o.probabilities[name], o.labelNames));
  }
  const results = {
    eval: Object.fromEntries(Object.entries(outcome.eval).map(([name, m]) => [name, metricsJson(m)])),
    train: {
      loss: outcome.train.loss,
      accuracy: outcome.train.accuracy,
      n: o.trainRows,
      epochs: outcome.train.epochs,
      steps: outcome.train.steps,
      seconds: outcome.train.seconds,
      examples_per_second: outcome.train.examplesPerSecond,
    },
    backbone: o.backbone,
    device: outcome.device,
    tf_backend: outcome.tfBackend,
    ...(outcome.headEngine ? { head_engine: outcome.headEngine } : {}),
    labels: o.labelNames,
    head: o.config.head === 'mlp' ? { type: 'mlp', hidden: o.config.mlpHidden, dropout: o.config.dropout } : { type: 'linear' },
    task: o.config.task,
    pooling: o.config.pooling,
    max_length: o.config.task === 'image-classification' ? null : o.config.maxLength,
    ...(o.standardize ? { standardize: true } : {}),
    checkpoint: outcome.checkpoint ?? null,
    stopped_early: outcome.stoppedEarly,
    interrupted: outcome.interrupted,
    extraction: o.extraction,
    ...(outcome.backboneTraining ? { backbone_training: outcome.backboneTraining } : {}),
    ...(outcome.frozenBaseline ? { frozen_baseline: outcome.frozenBaseline } : {}),
    data: { train: o.config.train, ...Object.fromEntries(Object.entries(o.config.validation).map(([n, s]) => [`validation:${n}`, s])) },
  };
  await atomicWriteFile(outcome.resultsFile, JSON.stringify(results, null, 2) + '\n');
}
