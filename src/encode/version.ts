import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../io/package-version.ts';

/** The modules that decide which token ids a text becomes: WordPiece loading, pair assembly, longest_first. */
export const ENCODER_MODULES = ['tokenizer', 'pairs', 'truncation'] as const;

let cached: string | null = null;

/**
 * The version of the text encoder: sha256 over the source of our tokenization and truncation modules and
 * Transformers.js' version (its WordPiece code). The feature cache key carries it, so features encoded by
 * other code are never reused. Hashing the files, not a hand-kept number, means no one has to remember a
 * bump; the price is that any edit there (a comment too) re-extracts once. Run from src/ (tsx) the .ts
 * files are hashed, from dist/ the compiled .js: the two keep separate cache entries.
 */
export function textEncoderVersion(): string {
  const here = fileURLToPath(import.meta.url);
  cached ??= encoderVersionOf(dirname(here), extname(here), packageVersion('@huggingface/transformers'));
  return cached;
}

/** textEncoderVersion over the encoder modules in `dir` (a parameter so a test can show that an edit changes it). */
export function encoderVersionOf(dir: string, ext: string, transformersVersion: string): string {
  const hash = createHash('sha256').update(`transformers.js ${transformersVersion}\n`);
  for (const name of ENCODER_MODULES) hash.update(`${name}${ext}\n`).update(readFileSync(join(dir, `${name}${ext}`)));
  return `text-${hash.digest('hex').slice(0, 16)}`;
}

/** Images are decoded and resized by Transformers.js' image processor (whose config is in the key already). */
export function imageEncoderVersion(): string {
  return `image-transformers.js-${packageVersion('@huggingface/transformers')}`;
}
