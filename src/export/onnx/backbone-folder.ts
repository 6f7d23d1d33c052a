/**
 * The files of a checkpoint's text backbone on this machine: the bundled model's cache folder, a local
 * folder, or a hub model's folder in the Transformers.js cache. A local backbone is checked against the
 * identity the checkpoint recorded, so a model whose files changed since training is never exported.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inputError } from '../../errors.ts';
import type { BackboneReference } from '../../core/index.ts';
import { checkOfflineCache, hubCacheFolder, resolveModelSource } from '../../backbones/hub.ts';
import { localIdentity } from '../../backbones/load.ts';
import { pinHubCommit } from '../../backbones/hub-commit.ts';
import { pinnedRevision } from '../../backbones/hub-identity.ts';
import { BUNDLED_MODEL, ensureTinyBert } from '../../fixtures/bert.ts';

export const BACKBONE_MODEL_FILE = 'onnx/model.onnx';
/** Files a Transformers.js text model needs besides the graph. */
const REQUIRED_FILES = ['config.json', 'tokenizer.json'];

export async function textBackboneFolder(reference: BackboneReference, options: { offline?: boolean; checkpointDir: string }): Promise<string> {
  if (reference.dtype !== undefined && reference.dtype !== 'fp32') {
    throw inputError(`the backbone is the ${reference.dtype} variant of ${reference.model}; export-onnx exports fp32 backbones only`, { file: options.checkpointDir });
  }
  const model = reference.model === BUNDLED_MODEL ? await ensureTinyBert() : reference.model;
  const requested = resolveModelSource(model, { revision: pinnedRevision(reference), offline: options.offline });
  const source = requested.kind === 'hub' ? await pinHubCommit(model, requested) : requested;
  const files = [BACKBONE_MODEL_FILE, ...REQUIRED_FILES];
  let dir: string;
  if (source.kind === 'hub') {
    dir = hubCacheFolder(source);
    if (files.some((file) => !existsSync(join(dir, file)))) {
      if (source.offline) checkOfflineCache(model, source, files);
      // Not in the cache (trained elsewhere, or the cache was cleared): fetch it the way training did.
      const { loadTextBackbone } = await import('../../backbones/load.ts');
      await (await loadTextBackbone(model, { revision: source.commit, device: 'cpu' })).dispose();
    }
  } else {
    dir = source.dir;
  }
  const missing = files.find((file) => !existsSync(join(dir, file)));
  if (missing !== undefined) {
    throw inputError(`the backbone ${reference.model} is not a Transformers.js text model: ${join(dir, missing)} is missing`, { file: options.checkpointDir });
  }
  if (source.kind === 'local') {
    const identity = await localIdentity(dir, BACKBONE_MODEL_FILE);
    if (identity !== reference.identity) {
      throw inputError(
        `the backbone ${reference.model} is now ${identity} but this model was trained on ${reference.identity}; its files changed since training`,
        { file: options.checkpointDir },
      );
    }
  }
  return dir;
}
