import { createHash } from 'node:crypto';
import { Rng } from '../core/index.ts';
import { inputError } from '../errors.ts';
import type { TextDataset } from '../data/index.ts';
import { HELD_OUT_NAME, validationSources, type FinetuneConfig } from './config.ts';
import { loadRunSplit, type RunSplit } from './splits.ts';

export interface RunData {
  train: RunSplit;
  /** Every set evaluated, by name (a --validation-split hold-out as `validation`). */
  validation: Record<string, RunSplit>;
  /** Where each evaluation set came from, for the record (results.json, checkpoints, the run line). */
  sources: Record<string, string>;
}

/**
 * The training and evaluation data of a run: the training split (its labels set the classes), a seeded
 * hold-out when asked, and each validation set, which must hold the same kind of input as the training data.
 */
export async function loadRunData(config: FinetuneConfig): Promise<RunData> {
  let train = await loadSplit(config.train, config, config.maxTrainSamples, config.labelNames);
  const validation: Record<string, RunSplit> = {};
  const sources = { ...validationSources(config) };
  if (config.validationSplit !== undefined) {
    ({ train, heldOut: validation[HELD_OUT_NAME] } = holdOut(train, config.validationSplit, config.seed));
    sources[HELD_OUT_NAME] = `${config.train} (held out: ${config.validationSplit})`;
  }
  for (const [name, source] of Object.entries(validationSources(config))) {
    validation[name] = await loadSplit(source, config, config.maxEvalSamples, train.labelNames);
  }
  for (const data of Object.values(validation)) checkSameInputs(train, data);
  return { train, validation, sources };
}

/** --offline forces offline mode; without it the loaders read HF_HUB_OFFLINE themselves. */
export function offlineOption(config: Pick<FinetuneConfig, 'offline'>): true | undefined {
  return config.offline ? true : undefined;
}

async function loadSplit(source: string, config: FinetuneConfig, maxSamples: number | undefined, labelNames?: string[]): Promise<RunSplit> {
  return loadRunSplit(config.task, source, { maxSamples, lenient: config.lenient, offline: offlineOption(config), ...(labelNames ? { labelNames } : {}) });
}

/** A seeded `fraction` of the rows (at least one, never all) as a held-out set; both keep file order. */
function holdOut(data: RunSplit, fraction: number, seed: number): { train: RunSplit; heldOut: RunSplit } {
  const rows = data.inputs.length;
  const count = Math.round(rows * fraction);
  if (count < 1 || count >= rows) {
    throw inputError(`--validation-split ${fraction} of ${rows} training rows leaves ${count < 1 ? 'no validation row' : 'no training row'}`, { file: data.source });
  }
  const held = new Set(new Rng(seed).derive('validation-split').permutation(rows).subarray(0, count));
  const keep: number[] = [];
  const out: number[] = [];
  for (let row = 0; row < rows; row++) (held.has(row) ? out : keep).push(row);
  return { train: subset(data, keep, 'train'), heldOut: { ...subset(data, out, 'held-out'), skipped: [] } };
}

/** Some rows of a split; its content hash (the feature cache key) is the parent's with the rows taken. */
function subset(data: RunSplit, rows: number[], part: string): RunSplit {
  const contentHash = createHash('sha256').update(`${data.contentHash}\n${part}\n${rows.join(',')}`).digest('hex');
  return {
    ...data,
    inputs: rows.map((row) => data.inputs[row]),
    labels: data.labels ? Int32Array.from(rows, (row) => data.labels![row]) : null,
    contentHash,
    rowInfo: (i) => data.rowInfo(rows[i]),
  };
}

/** A model trained on pairs cannot be judged on single texts (or the other way round). */
function checkSameInputs(train: RunSplit, data: RunSplit): void {
  const [a, b] = [train as Partial<TextDataset>, data as Partial<TextDataset>];
  if (a.textPairs === undefined || b.textPairs === undefined || (a.textPairs === null) === (b.textPairs === null)) return;
  const kind = (d: Partial<TextDataset>) =>
    d.textPairs ? `text pairs (columns '${d.columns?.text ?? '?'}', '${d.columns?.pair ?? '?'}')` : `single texts (column '${d.columns?.text ?? '?'}')`;
  throw inputError(`holds ${kind(b)} but the training data holds ${kind(a)}; train and validation need the same columns`, { file: data.source });
}
