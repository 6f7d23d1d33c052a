import { ensureTinyBert } from '../fixtures/bert.ts';
import { BUNDLED_MODEL } from './config.ts';
import { usageError } from '../errors.ts';
import { bundledDataset } from '../data/bundled.ts';

const BUNDLED_DATA_PREFIX = 'bundled:nli-tiny/';
const BUNDLED_SPLITS = ['train', 'validation'] as const;

/** `bundled:nli-tiny/<split>` → the file shipped in datasets/; any other source is returned as given. */
export function resolveDataSource(source: string): string {
  if (!source.startsWith(BUNDLED_DATA_PREFIX)) return source;
  const split = source.slice(BUNDLED_DATA_PREFIX.length);
  if (!(BUNDLED_SPLITS as readonly string[]).includes(split)) {
    throw usageError(`unknown bundled split '${split}'; valid: ${BUNDLED_SPLITS.map((s) => BUNDLED_DATA_PREFIX + s).join(', ')}`);
  }
  return bundledDataset(split as (typeof BUNDLED_SPLITS)[number]);
}

/** `bundled:tiny-bert` → the generated tiny model's folder (made once into the cache); else as given. */
export async function resolveModelSource(model: string): Promise<string> {
  return model === BUNDLED_MODEL ? ensureTinyBert() : model;
}
