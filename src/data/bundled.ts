import { fileURLToPath } from 'node:url';

/** Absolute path of a split of the bundled NLI dataset (datasets/nli-tiny; see its README.md). */
export function bundledDataset(split: 'train' | 'validation'): string {
  if (split !== 'train' && split !== 'validation') throw new TypeError(`bundled dataset split must be train or validation, not ${String(split)}`);
  return fileURLToPath(new URL(`../../datasets/nli-tiny/${split}.tsv`, import.meta.url));
}
