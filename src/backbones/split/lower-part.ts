import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { atomicWriteDir } from '../../io/atomic.ts';
import { copyModelSideFiles } from '../model-folder.ts';
import { cutAfter } from '../onnx/hidden-state-outputs.ts';
import { encodeModelChunks, type ModelProto } from '../onnx/model.ts';
import { writeChunksAtomic } from '../onnx/model-file.ts';
import { sha256Hex, transferKitCacheDir } from '../identity.ts';
import type { TextBackbone } from '../types.ts';

/**
 * The frozen lower part of `base` (embeddings and the first `layers` layers) as a model folder of its
 * own: the graph cut after `tensor` (its output becomes last_hidden_state), beside copies of the
 * config and tokenizer files, in `<cache>/derived/`. Loaded like any local model, so ONNX Runtime runs it.
 */
export async function loadLowerPart(base: TextBackbone, model: () => ModelProto, tensor: string, layers: number): Promise<TextBackbone> {
  const folder = join(transferKitCacheDir(), 'derived', `${sha256Hex(base.identity).slice(0, 32)}-lower-${layers}`);
  if (!existsSync(join(folder, 'onnx', 'model.onnx'))) {
    const root = dirname(dirname(base.modelPath));
    await atomicWriteDir(folder, async (tmp) => {
      await copyModelSideFiles(root, tmp);
      const cut = model();
      cutAfter(cut, tensor, base.config.hiddenSize);
      await writeChunksAtomic(join(tmp, 'onnx', 'model.onnx'), encodeModelChunks(cut));
    });
  }
  const { loadTextBackbone } = await import('../load.ts');
  return loadTextBackbone(folder, { device: base.device as 'cpu' });
}
