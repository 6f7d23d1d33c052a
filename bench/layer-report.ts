/** The "Layer training" section of BENCHMARKS.md from bench/train-engines.ts' results (one per model). */
import type { LayerTrainingPart } from './results.ts';

const s = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const gib = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 2 ** 30).toFixed(2)} GiB`);

/** Markdown table rows: per K, s/step both engines and their ratio, s/epoch, peak RSS. */
export function layerTrainingTable(part: LayerTrainingPart): string[] {
  const lines = [
    `| K | layers trained | ort s/step (wall / cpu) | tfjs s/step (wall / cpu) | tfjs ÷ ort (wall) | ort s/epoch, ${part.epochPairs.toLocaleString('en')} pairs | tfjs s/epoch | ort peak RSS |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  // Every K any part measured (a run may skip the steps, the epochs or the memory probes).
  for (const k of [...new Set([...part.steps, ...part.epochs, ...part.memory].map((x) => x.k))]) {
    const step = part.steps.find((x) => x.k === k);
    const epoch = part.epochs.find((e) => e.k === k);
    const memory = part.memory.find((m) => m.k === k);
    const tfjs = step?.tfjs ? `${s(step.tfjs.wall)} / ${s(step.tfjs.cpu)} (best of ${step.tfjs.reps})` : '-';
    const ratio = step?.tfjs ? `${(step.tfjs.wall / step.ort.wall).toFixed(1)}×` : '-';
    const ortEpoch = epoch ? `${s(epoch.ort.wall)} (${epoch.ort.how}) + ${s(epoch.statesSeconds)} once for the lower part's states` : '-';
    const tfjsEpoch = epoch?.tfjs ? `${epoch.tfjs.how.startsWith('measured') ? '' : '~'}${s(epoch.tfjs.wall)} (${epoch.tfjs.how})` : '-';
    lines.push(`| ${k} | ${step?.trained ?? '-'} | ${step ? `${s(step.ort.wall)} / ${s(step.ort.cpu)} (best of ${step.ort.reps})` : '-'} | ${tfjs} | ${ratio} | ${ortEpoch} | ${tfjsEpoch} | ${memory ? gib(memory.peakBytes) : '-'} |`);
  }
  return lines;
}

export function layerTrainingSection(part: LayerTrainingPart): string[] {
  const load = part.loadavg.map((x) => x.toFixed(1)).join(' / ');
  return [
    `### ${part.model}`,
    '',
    `Batch ${part.batch}, MNLI dev_matched pairs, linear head, cls pooling, AdamW + clipping; ort and tfjs steps interleaved, best of N after a warm-up step. Load averages at the end ${load} (2 cores). Command: \`${part.invocation ?? 'not recorded'}\`.`,
    '',
    ...layerTrainingTable(part),
    '',
  ];
}
