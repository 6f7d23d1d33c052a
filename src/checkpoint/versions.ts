import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, parse } from 'node:path';

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

/** Walks up from the package's entry point to its package.json (some packages do not export it). */
function packageVersion(name: string): string {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    return 'not installed';
  }
  for (let dir = dirname(entry); dir !== parse(dir).root; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    }
  }
  return 'unknown';
}

function readVersion(file: string): string {
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
