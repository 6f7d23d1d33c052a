/** The bert-base-size (and mid-size) random-weight models the benchmarks share, generated once into $TRANSFERKIT_CACHE/bench. */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { transferKitCacheDir } from '../src/backbones/identity.ts';
import { makeBertModel } from '../src/fixtures/bert.ts';
import { tempSibling } from '../src/io/atomic.ts';

/**
 * Generates the bert-base-size model once (temp folder + rename, so a cut-off run leaves nothing
 * half-made). Fewer layers or a narrower FFN give a model of bert-base width (same tokenizer, same
 * 768-wide output) that runs much faster: for memory measurements over many rows.
 */
export async function ensureBenchModel(tokenizerDir: string, layers = 12, intermediate = 3072): Promise<string> {
  const variant = layers === 12 && intermediate === 3072 ? '' : `-${layers}layers${intermediate === 3072 ? '' : `-ffn${intermediate}`}`;
  return ensureGeneratedModel(`bert-base-cased-random-seed0${variant}`, 'bert-base-size', { layers, hidden: 768, heads: 12, intermediate, vocabDir: tokenizerDir });
}

/** The mid-size BERT of issue 13's closing note: 4 layers, hidden 256, 4 heads, FFN 1024, the real bert-base-cased tokenizer. */
export const MID_MODEL = { layers: 4, hidden: 256, heads: 4, intermediate: 1024 } as const;

export function ensureMidBenchModel(tokenizerDir: string): Promise<string> {
  return ensureGeneratedModel('bert-mid-4x256-random-seed0', 'mid-size', { ...MID_MODEL, vocabDir: tokenizerDir });
}

async function ensureGeneratedModel(name: string, what: string, options: { layers: number; hidden: number; heads: number; intermediate: number; vocabDir: string }): Promise<string> {
  const dir = join(transferKitCacheDir(), 'bench', name);
  if (existsSync(join(dir, 'onnx', 'model.onnx'))) return dir;
  await mkdir(join(dir, '..'), { recursive: true });
  const tmp = tempSibling(dir);
  console.log(`generating the ${what} model into ${dir} (once) ...`);
  try {
    await makeBertModel({ outDir: tmp, ...options, seed: 0 });
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

/** The int8 engines: `transferkit quantize`'s two forms of the same dynamically quantized model. */
export const INT8_ENGINES = { int8: 'integer', 'int8-fused': 'fused' } as const;
export type Int8Engine = keyof typeof INT8_ENGINES;

/**
 * int8 copies of the bench model, made once with `transferkit quantize` (dynamic quantization, each
 * --form) where this checkout has that command; otherwise none and a note saying why the int8 rows are missing.
 */
export async function ensureInt8BenchModels(fp32Dir: string): Promise<{ models: Partial<Record<Int8Engine, string>>; note: string }> {
  const root = resolve(import.meta.dirname, '..');
  if (!existsSync(join(root, 'cli/commands/quantize.ts'))) {
    return { models: {}, note: 'int8 rows not available: this checkout has no `transferkit quantize` command yet (issue 12 item 3 is on another branch)' };
  }
  const models: Partial<Record<Int8Engine, string>> = {};
  for (const [engine, form] of Object.entries(INT8_ENGINES) as [Int8Engine, string][]) {
    const dir = `${fp32Dir}-q8${form === 'integer' ? '' : form}`;
    if (!existsSync(join(dir, 'onnx', 'model_quantized.onnx'))) {
      console.log(`quantizing the bench model into ${dir} (--form ${form}, once) ...`);
      const { execFileSync } = await import('node:child_process');
      execFileSync('node', ['bin/transferkit.js', 'quantize', '--model', fp32Dir, '--out', dir, '--form', form], { cwd: root, stdio: 'inherit' });
    }
    models[engine] = dir;
  }
  return { models, note: 'int8: `transferkit quantize --model <bench model> --out <dir> --form integer|fused` (int8 = integer: DynamicQuantizeLinear + MatMulInteger; int8-fused = com.microsoft.DynamicQuantizeMatMul), run with `embed --dtype q8`' };
}
