import { existsSync } from 'node:fs';
import { buildTextDataset } from './build.ts';
import { resolveBundledData } from './bundled.ts';
import { isHubSpec } from './hub-spec.ts';
import { openDataFile } from './open-file.ts';
import type { LoadTextOptions, TextDataset } from './types.ts';

export { MNLI_LABELS } from './labels.ts';
export { formatSkipSummary } from './skipped.ts';
export type { TextDataset, SkippedRows, LoadTextOptions } from './types.ts';
export { isHubSpec } from './hub-spec.ts';
export { bundledDataset } from './bundled.ts';
export { datasetInputs } from './inputs.ts';
export { DATA_FLAGS, DATA_FLAGS_HELP, loadOptionsFromFlags, parseLabelNames } from './flags.ts';

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
