import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { packageVersion } from '../io/package-version.ts';

export interface Versions {
  transferkit: string;
  tfjs: string;
  transformers: string;
}

const require = createRequire(import.meta.url);
let cached: Versions | null = null;

/** Versions of TransferKit, TF.js and Transformers.js, read from their package.json files. */
export function versions(): Versions {
  cached ??= {
    // By its own name (package.json exports it), so this works from src/ (tsx) and from dist/ alike.
    transferkit: readVersion(require.resolve('transferkit/package.json')),
    tfjs: packageVersion('@tensorflow/tfjs-core'),
    transformers: packageVersion('@huggingface/transformers'),
  };
  return cached;
}

function readVersion(file: string): string {
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
