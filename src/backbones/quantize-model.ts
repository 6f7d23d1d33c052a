/**
 * `transferkit quantize`: a dynamically quantized copy of a Transformers.js model folder, in the layout
 * Transformers.js loads for `dtype: 'q8'` (onnx/model_quantized.onnx beside config and tokenizer files),
 * as Optimum / `quantize_dynamic` write it. TransferKit loads it with `--dtype q8`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { inputError } from '../errors.ts';
import { atomicWriteFile } from '../io/atomic.ts';
import { BUNDLED_MODEL, ensureTinyBert } from '../fixtures/bert.ts';
import { resolveModelSource } from './hub.ts';
import { copyModelSideFiles } from './model-folder.ts';
import { decodeModel, encodeModelChunks, type ModelProto } from './onnx/model.ts';
import { writeChunksAtomic } from './onnx/model-file.ts';
import { quantizeDynamic, type QuantizeOptions, type QuantizeResult } from './onnx/quantize.ts';

export const FP32_MODEL_FILE = 'onnx/model.onnx';
/** Transformers.js' file for dtype q8 (DTYPE_SUFFIX.q8). */
export const QUANTIZED_MODEL_FILE = 'onnx/model_quantized.onnx';

export interface QuantizeModelOptions extends QuantizeOptions {
  /** Hub revision of a hub model (downloaded into the cache first). */
  revision?: string;
}

export interface QuantizeModelResult extends QuantizeResult {
  /** The folder written. */
  dir: string;
  /** Its quantized model file. */
  file: string;
  bytesIn: number;
  bytesOut: number;
}

/**
 * Quantizes `model` (a model folder, `bundled:tiny-bert`, or a hub id, fetched into the cache first)
 * into `outDir`. The side files (json, txt) are copied; config.json gains
 * `transformers.js_config.dtype: 'q8'` so a plain Transformers.js load picks the quantized file. Writing
 * into the model's own folder adds only onnx/model_quantized.onnx.
 */
export async function quantizeModel(model: string, outDir: string, options: QuantizeModelOptions = {}): Promise<QuantizeModelResult> {
  const sourceDir = await modelFolder(model, options.revision);
  const sourceFile = join(sourceDir, FP32_MODEL_FILE);
  if (!existsSync(sourceFile)) throw inputError(`model folder ${sourceDir} has no ${FP32_MODEL_FILE} to quantize`, { flag: '--model' });
  const bytes = await readFile(sourceFile);
  let onnx: ModelProto;
  try {
    onnx = decodeModel(bytes);
  } catch (error) {
    throw inputError(`not a valid ONNX model (${(error as Error).message})`, { file: sourceFile });
  }
  const result = quantizeDynamic(onnx, options);
  if (result.quantized === 0 && result.excluded > 0) {
    throw inputError(`leaves every one of the ${result.excluded} MatMul/Gemm weights in float32: nothing to quantize`, { flag: '--exclude-nodes' });
  }
  if (result.quantized === 0) {
    throw inputError('has no MatMul or Gemm with float32 weights to quantize (already quantized, or not a transformer?)', { file: sourceFile });
  }

  const dir = resolve(outDir);
  await mkdir(join(dir, 'onnx'), { recursive: true });
  if (dir !== resolve(sourceDir)) await copySideFiles(sourceDir, dir);
  const file = join(dir, QUANTIZED_MODEL_FILE);
  await writeChunksAtomic(file, encodeModelChunks(onnx));
  return { ...result, dir, file, bytesIn: bytes.byteLength, bytesOut: (await stat(file)).size };
}

async function modelFolder(model: string, revision: string | undefined): Promise<string> {
  if (model === BUNDLED_MODEL) return ensureTinyBert();
  const source = resolveModelSource(model, { revision });
  if (source.kind === 'local') return source.dir;
  // Loading it once downloads what the cache lacks (as `pull` does); ONNX Runtime loads only for hub models.
  const { loadTextBackbone } = await import('./load.ts');
  const backbone = await loadTextBackbone(model, { revision, device: 'cpu' });
  await backbone.dispose();
  return dirname(dirname(backbone.modelPath));
}

/** Config, tokenizer and preprocessor files; config.json says q8 is this folder's dtype. */
async function copySideFiles(from: string, to: string): Promise<void> {
  await copyModelSideFiles(from, to);
  const configFile = join(to, 'config.json');
  if (!existsSync(configFile)) return;
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  const custom = (config['transformers.js_config'] as Record<string, unknown> | undefined) ?? {};
  config['transformers.js_config'] = { ...custom, dtype: 'q8' };
  await atomicWriteFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
}
