import type { ImageInput } from '../core/index.ts';
import type { TextFormat } from './formats.ts';

/** A labelled (or unlabelled) text dataset in memory, rows in file order. */
export interface TextDataset {
  /** The source as the user gave it (path or hub spec), for messages. */
  source: string;
  texts: string[];
  /** Second texts for pairs; null for single-text datasets. */
  textPairs: string[] | null;
  /** The columns the texts came from, for messages (absent for datasets built in memory). */
  columns?: { text: string; pair: string | null };
  /** Index into labelNames per row; null when the data has no labels. */
  labels: Int32Array | null;
  labelNames: string[];
  /** 1-based source line (or row number) of each kept row, for messages and predictions. */
  lines: Int32Array;
  /** sha256 over the kept rows (texts, pairs, labels): the feature cache's dataset key. */
  contentHash: string;
  /** Rows skipped and why (no gold label, or bad rows under --lenient). */
  skipped: SkippedRows[];
}

export interface SkippedRows {
  reason: string;
  count: number;
  /** The first few line numbers, for the summary. */
  firstLines: number[];
  /** The full message of the first skipped row of this kind (which column, what was wrong). */
  example?: string;
}

/** An image classification dataset: one input per row, labelled or not, in source order. */
export interface ImageDataset {
  /** The source as the user gave it (folder, table file, CIFAR-10 batch, hub spec), for messages. */
  source: string;
  /** One per row: a file path, encoded file bytes (hub Parquet) or decoded pixels (CIFAR-10 records). */
  images: ImageInput[];
  /** Index into labelNames per row; null when the data has no labels (a folder of files to predict). */
  labels: Int32Array | null;
  labelNames: string[];
  /** Each row's name for messages and predictions: its file, or `<file>:<record or row>`. */
  ids: string[];
  /** sha256 over every row's bytes and label: the feature cache's dataset key. */
  contentHash: string;
  /** Bad images skipped under --lenient. */
  skipped: SkippedRows[];
}

export interface LoadTextOptions {
  /** File format; 'auto' (default) goes by extension, then by the first bytes. Hub specs are always Parquet. */
  format?: 'auto' | TextFormat;
  /** Column names (--text-column, --text-pair-column, --label-column); common names are found otherwise. */
  textColumn?: string;
  textPairColumn?: string;
  labelColumn?: string;
  /** Class names in index order; labels in the data may be these names or indices into them. */
  labelNames?: string[];
  /** Skip bad rows (recorded in `skipped`) instead of failing on the first one. */
  lenient?: boolean;
  /** Stop after this many kept rows. */
  maxSamples?: number;
  /** Use only the Hugging Face cache (also when HF_HUB_OFFLINE=1). */
  offline?: boolean;
  /** Fail when no label column is found (training needs labels; embedding does not). */
  requireLabels?: boolean;
  /** Read no label column: every row with text is kept, labelled or not (embedding, attention). */
  ignoreLabels?: boolean;
  onProgress?: (info: { phase: 'download' | 'read'; done: number; total?: number }) => void;
}
