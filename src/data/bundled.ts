import { fileURLToPath } from 'node:url';
import { usageError } from '../errors.ts';

/** Absolute path of a split of the bundled NLI dataset (datasets/nli-tiny; see its README.md). */
export function bundledDataset(split: 'train' | 'validation'): string {
  if (split !== 'train' && split !== 'validation') throw new TypeError(`bundled dataset split must be train or validation, not ${String(split)}`);
  return fileURLToPath(new URL(`../../datasets/nli-tiny/${split}.tsv`, import.meta.url));
}

const BUNDLED_DATA_PREFIX = 'bundled:nli-tiny/';
const BUNDLED_SPLITS = ['train', 'validation'] as const;

/** `bundled:nli-tiny/<split>` → the file shipped in datasets/; any other source is returned as given. */
export function resolveBundledData(source: string): string {
  if (!source.startsWith(BUNDLED_DATA_PREFIX)) return source;
  const split = source.slice(BUNDLED_DATA_PREFIX.length);
  if (!(BUNDLED_SPLITS as readonly string[]).includes(split)) {
    throw usageError(`unknown bundled split '${split}'; valid: ${BUNDLED_SPLITS.map((s) => BUNDLED_DATA_PREFIX + s).join(', ')}`);
  }
  return bundledDataset(split as (typeof BUNDLED_SPLITS)[number]);
}
