import { basename, dirname } from 'node:path';
import { resumeCommand } from './ink/next-commands.ts';
import type { Metrics } from '../train/events.ts';

export interface SummaryInput {
  eval: Record<string, Metrics>;
  train: { loss: number; accuracy: number; epochs: number; seconds: number };
  checkpoint?: string;
  resultsFile: string;
  device: string;
  tfBackend: string;
  interrupted: boolean;
  stoppedEarly: boolean;
  /** --compare-frozen: the frozen-head baseline trained in the same run. */
  frozenBaseline?: { eval: Record<string, Metrics> };
  backboneTraining?: { layers: string; engine?: string };
  /** What trained the head alone ('ort cpu', 'tfjs wasm'), where head-only steps ran. */
  headEngine?: string;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : '-');
const num = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '-');

/** Which engine did the training steps: the layers' (head included), else the head's, else TF.js. */
function trainedBy(summary: SummaryInput): string {
  const layers = summary.backboneTraining?.engine;
  const head = summary.headEngine;
  if (layers) return `layers + head: ${layers}${head && head !== layers ? `; head alone: ${head}` : ''}`;
  return head ? `head: ${head}` : `TF.js ${summary.tfBackend}`;
}

/** The results table `finetune` prints at the end (plain text, aligned columns). */
export function formatResultsTable(summary: SummaryInput): string {
  const rows = [['set', 'n', 'accuracy', 'macro-F1', 'loss']];
  for (const [name, m] of Object.entries(summary.eval)) rows.push([name, String(m.n), pct(m.accuracy), pct(m.macroF1), num(m.loss)]);
  for (const [name, m] of Object.entries(summary.frozenBaseline?.eval ?? {})) rows.push([`${name}, frozen head`, String(m.n), pct(m.accuracy), pct(m.macroF1), num(m.loss)]);
  rows.push(['train (last epoch)', '', pct(summary.train.accuracy), '', num(summary.train.loss)]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  // The progress lines showed the last epoch; these rows are the checkpoint that was kept (as in results.json).
  const title = summary.checkpoint ? `metrics of the kept checkpoint (${basename(summary.checkpoint)})` : 'metrics after the last epoch';
  const out = [title, line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  const status = summary.interrupted ? 'stopped' : summary.stoppedEarly ? 'stopped early' : 'done';
  const comparison = formatFrozenComparison(summary);
  if (comparison) out.push('', comparison);
  out.push('', `${status}: ${summary.train.epochs} epoch(s) in ${summary.train.seconds.toFixed(1)} s on ${summary.device} (${trainedBy(summary)})`);
  if (summary.interrupted) out.push(`continue with: ${resumeCommand(dirname(summary.resultsFile))}`);
  return out.join('\n');
}

/**
 * The gain of training the backbone layers over the frozen-head baseline of the same run, per set, and
 * how that baseline was obtained; empty without --compare-frozen.
 */
export function formatFrozenComparison(summary: Pick<SummaryInput, 'eval' | 'frozenBaseline' | 'backboneTraining'>): string {
  const baseline = summary.frozenBaseline?.eval;
  if (!baseline) return '';
  const gains = Object.entries(summary.eval)
    .filter(([name]) => baseline[name])
    .map(([name, m]) => `${name} ${pct(baseline[name]!.accuracy)} -> ${pct(m.accuracy)} (${m.accuracy >= baseline[name]!.accuracy ? '+' : ''}${((m.accuracy - baseline[name]!.accuracy) * 100).toFixed(2)} points)`);
  const layers = summary.backboneTraining ? ` (${summary.backboneTraining.layers})` : '';
  return [
    `training the backbone layers${layers} vs the frozen head: ${gains.join(', ')}`,
    `(frozen head: the same head, settings and seed trained in this run on the frozen backbone's features; its best epoch, as the kept checkpoint is)`,
  ].join('\n');
}

/** Metrics of one set as a table: the headline numbers, per-class scores and the confusion matrix. */
export function formatMetricsTable(name: string, m: Metrics): string {
  const labels = m.perClass.map((c) => c.label);
  const width = Math.max(8, ...labels.map((l) => l.length));
  const out = [`${name}: n=${m.n}  accuracy ${pct(m.accuracy)}  macro-F1 ${pct(m.macroF1)}  loss ${num(m.loss)}`, ''];
  // Score columns fit 100.00%.
  out.push(`${'class'.padEnd(width)}  precision   recall       f1  support`);
  for (const c of m.perClass) {
    out.push(`${c.label.padEnd(width)}  ${pct(c.precision).padStart(9)}  ${pct(c.recall).padStart(7)}  ${pct(c.f1).padStart(7)}  ${String(c.support).padStart(7)}`);
  }
  out.push('', `confusion (rows gold, columns predicted):`);
  // Every column as wide as the longest label, so no label is cut (`contradiction`, not `contradi`).
  out.push(`${''.padEnd(width)}  ${labels.map((l) => l.padStart(width)).join('  ')}`);
  m.confusion.forEach((row, g) => out.push(`${labels[g].padEnd(width)}  ${row.map((v) => String(v).padStart(width)).join('  ')}`));
  return out.join('\n');
}
