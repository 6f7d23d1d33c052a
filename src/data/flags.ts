import { usageError } from '../errors.ts';
import type { LoadTextOptions } from './types.ts';
import { TEXT_FORMATS } from './formats.ts';

/** util.parseArgs options for the data flags every command that reads a text dataset accepts. */
export const DATA_FLAGS = {
  format: { type: 'string' },
  'text-column': { type: 'string' },
  'text-pair-column': { type: 'string' },
  'label-column': { type: 'string' },
  'label-names': { type: 'string' },
  lenient: { type: 'boolean' },
  'max-samples': { type: 'string' },
  offline: { type: 'boolean' },
} as const;

const LABEL_FLAGS_HELP = `
  --label-column NAME        label column (default: gold_label, label, labels)
  --label-names A,B,C        class names in index order (default: MNLI order for MNLI labels, else
                             from the data: integers in numeric order, other names sorted)`;

/** The data flags' help; `labels: false` for a command that reads no labels (embed). */
export function dataFlagsHelp({ labels = true } = {}): string {
  return `Data flags:
  --format auto|tsv|csv|jsonl|parquet   file format (default: by extension, then content)
  --text-column NAME         text column (default: premise, sentence1, text, question, sentence)
  --text-pair-column NAME    second text (default: the partner of the text column, e.g. hypothesis)${labels ? LABEL_FLAGS_HELP : ''}
  --lenient                  skip bad rows and print a summary instead of stopping at the first
  --max-samples N            read only the first N usable rows
  --offline                  use only the Hugging Face cache for hub datasets (or HF_HUB_OFFLINE=1)`;
}

export const DATA_FLAGS_HELP = dataFlagsHelp();

/** `--label-names A,B,C`: two or more distinct class names in index order. */
export function parseLabelNames(text: string): string[] {
  const names = text.split(',').map((name) => name.trim());
  if (names.length < 2 || names.some((name) => name === '') || new Set(names).size !== names.length) {
    throw usageError(`needs two or more distinct comma-separated names; got '${text}'`, '--label-names');
  }
  return names;
}

type DataFlagValues = { [K in keyof typeof DATA_FLAGS]?: (typeof DATA_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/** Turns parsed data flags into LoadTextOptions, with usage errors that name the flag. */
export function loadOptionsFromFlags(values: DataFlagValues): LoadTextOptions {
  const options: LoadTextOptions = {};
  if (values.format !== undefined) {
    if (values.format !== 'auto' && !TEXT_FORMATS.includes(values.format as never)) {
      throw usageError(`must be one of auto, ${TEXT_FORMATS.join(', ')}; got '${values.format}'`, '--format');
    }
    options.format = values.format as LoadTextOptions['format'];
  }
  if (values['text-column'] !== undefined) options.textColumn = values['text-column'];
  if (values['text-pair-column'] !== undefined) options.textPairColumn = values['text-pair-column'];
  if (values['label-column'] !== undefined) options.labelColumn = values['label-column'];
  if (values['label-names'] !== undefined) options.labelNames = parseLabelNames(values['label-names']);
  if (values.lenient) options.lenient = true;
  if (values.offline) options.offline = true;
  if (values['max-samples'] !== undefined) {
    const n = Number(values['max-samples']);
    if (!Number.isInteger(n) || n < 1) throw usageError(`must be an integer >= 1, got '${values['max-samples']}'`, '--max-samples');
    options.maxSamples = n;
  }
  return options;
}
