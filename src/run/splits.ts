import { datasetInputs, loadTextDataset } from '../data/index.ts';
import { loadImageDataset } from '../data/images/index.ts';
import type { SkippedRows } from '../data/types.ts';
import type { Task } from './config.ts';

/** One data split as a run uses it, whatever the modality. */
export interface RunSplit {
  source: string;
  /** TextInput for text tasks, ImageInput for image tasks. */
  inputs: unknown[];
  labels: Int32Array | null;
  labelNames: string[];
  contentHash: string;
  skipped: SkippedRows[];
  /** What predictions-<name>.jsonl says about row i besides its index: its line, or its image. */
  rowInfo(i: number): Record<string, unknown>;
}

export interface SplitOptions {
  maxSamples?: number;
  lenient?: boolean;
  offline?: boolean;
  /** The training set's classes, for validation and evaluation sets. */
  labelNames?: string[];
}

/** Loads a labelled split for the task: text rows (TSV/CSV/JSONL/Parquet/hub) or images (folders, tables, CIFAR-10, hub). */
export async function loadRunSplit(task: Task, source: string, options: SplitOptions): Promise<RunSplit> {
  if (task === 'image-classification') {
    const data = await loadImageDataset(source, options);
    return { ...data, inputs: data.images, rowInfo: (i) => ({ image: data.ids[i] }) };
  }
  const data = await loadTextDataset(source, { ...options, requireLabels: true });
  return { ...data, inputs: datasetInputs(data), rowInfo: (i) => ({ line: data.lines[i] }) };
}
