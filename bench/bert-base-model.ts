/** The bert-base-size random-weight model the benchmarks share, generated once into $TRANSFERKIT_CACHE/bench. */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { transferKitCacheDir } from '../src/backbones/identity.ts';
import { makeBertModel } from '../src/fixtures/bert.ts';
import { tempSibling } from '../src/io/atomic.ts';

/** Generates the bert-base-size model once (temp folder + rename, so a cut-off run leaves nothing half-made). */
export async function ensureBenchModel(tokenizerDir: string): Promise<string> {
  const dir = join(transferKitCacheDir(), 'bench', 'bert-base-cased-random-seed0');
  if (existsSync(join(dir, 'onnx', 'model.onnx'))) return dir;
  await mkdir(join(dir, '..'), { recursive: true });
  const tmp = tempSibling(dir);
  console.log(`generating the bert-base-size model into ${dir} (once) ...`);
  try {
    await makeBertModel({ outDir: tmp, layers: 12, hidden: 768, heads: 12, intermediate: 3072, vocabDir: tokenizerDir, seed: 0 });
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** The real bert-base-cased tokenizer and MNLI dev-matched in ../shared; exits naming them when absent. */
export function sharedBenchFiles(): { tokenizerDir: string; dataFile: string } {
  const shared = resolve(import.meta.dirname, '../../shared');
  const tokenizerDir = join(shared, 'tokenizers/bert-base-cased');
  const dataFile = join(shared, 'data/mnli/dev_matched.tsv');
  if (!existsSync(tokenizerDir) || !existsSync(dataFile)) {
    console.error(`needs ../shared (tokenizer ${tokenizerDir} and ${dataFile}); not found`);
    process.exit(2);
  }
  return { tokenizerDir, dataFile };
}
