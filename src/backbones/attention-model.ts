import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteDir } from '../io/atomic.ts';
import { writeAttentionModel } from './onnx/attention-outputs.ts';
import { copyModelSideFiles } from './model-folder.ts';
import { hubCacheFolder, type ModelSource } from './hub.ts';
import { transferKitCacheDir } from './identity.ts';

/** Transformers.js `model_file_name` of the derived model: `onnx/model_attentions<suffix>.onnx`. */
export const ATTENTION_MODEL_NAME = 'model_attentions';

/**
 * Makes sure a copy of the model with `attentions.<layer>` outputs exists in a cache, and returns what
 * to pass to Transformers.js (`from_pretrained(location, { model_file_name: ATTENTION_MODEL_NAME })`).
 * The user's files are never written: hub models get the derived file beside the original in the
 * Transformers.js cache folder of that repo; local folders get a TransferKit cache folder
 * (`<cache>/derived/<identity hash>`) that mirrors the folder's json/txt files.
 */
export async function ensureAttentionModel(
  source: ModelSource,
  modelFile: string,
  suffix: string,
  numLayers: number,
  identityHash: string,
  /** Brings a hub model's original file into the cache (a download) when it is not there yet. */
  fetchOriginal: () => Promise<void>,
): Promise<string> {
  const derivedFile = `onnx/${ATTENTION_MODEL_NAME}${suffix}.onnx`;
  if (source.kind === 'hub') {
    const folder = hubCacheFolder(source);
    const target = join(folder, derivedFile);
    if (!existsSync(target)) {
      if (!existsSync(join(folder, modelFile))) await fetchOriginal();
      await writeAttentionModel(join(folder, modelFile), target, numLayers);
    }
    return source.repo;
  }
  const folder = join(transferKitCacheDir(), 'derived', identityHash);
  if (existsSync(join(folder, derivedFile))) return folder;
  await atomicWriteDir(folder, async (tmp) => {
    await copyModelSideFiles(source.dir, tmp);
    await writeAttentionModel(join(source.dir, modelFile), join(tmp, derivedFile), numLayers);
  });
  return folder;
}
