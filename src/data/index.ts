import { existsSync } from 'node:fs';
import { buildTextDataset } from './build.ts';
import { resolveBundledData } from './bundled.ts';
import type { TextFormat } from './formats.ts';
import { isHubSpec } from './hub-spec.ts';
import { openDataFile } from './open-file.ts';
import type { TextDataset } from './types.ts';

export { MNLI_LABELS } from './labels.ts';
export { formatSkipSummary } from './skipped.ts';
export type { TextDataset, SkippedRows } from './types.ts';
export { isHubSpec } from './hub-spec.ts';
export { bundledDataset } from './bundled.ts';
export { datasetInputs } from './inputs.ts';
export { DATA_FLAGS, DATA_FLAGS_HELP, loadOptionsFromFlags } from './flags.ts';

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

/**
 * Loads a text (or text-pair) classification dataset from a local TSV / CSV / JSONL / Parquet file or a
 * Hugging Face hub spec (`glue/mnli:validation_matched`, `owner/dataset[/config]:split`), or a split of the
 * bundled set (`bundled:nli-tiny/train`). Bad input is a
 * TransferKitError('input') naming the file and line; see formatSkipSummary for `skipped`.
 */
export async function loadTextDataset(given: string, options: LoadTextOptions = {}): Promise<TextDataset> {
  const source = resolveBundledData(given);
  // A local path wins over a hub spec of the same shape; the hub client loads only when needed.
  if (isHubSpec(source) && !existsSync(source)) {
    const { loadHubTextDataset } = await import('./hub.ts');
    return loadHubTextDataset(source, options);
  }
  const input = await openDataFile(source, { format: options.format, labelNames: options.labelNames });
  return buildTextDataset(source, [input], options);
}
