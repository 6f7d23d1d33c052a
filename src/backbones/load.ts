import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PretrainedConfig, PreTrainedModel } from '@huggingface/transformers';
import { loadWordPieceTokenizer } from '../encode/tokenizer.ts';
import { inputError, runtimeError, TransferKitError, usageError } from '../errors.ts';
import { ATTENTION_MODEL_NAME, ensureAttentionModel } from './attention-model.ts';
import { BertBackbone } from './bert.ts';
import { BUNDLED_MODEL, ensureTinyBert } from '../fixtures/bert.ts';
import { resolveDevice } from './device.ts';
import { checkOfflineCache, configureTransformers, hubCacheFolder, hubLoadError, resolveModelSource, transformersRevision, type ModelSource } from './hub.ts';
import { pinHubCommit } from './hub-commit.ts';
import { hubIdentity } from './hub-identity.ts';
import { cachedFileSha256, sha256Hex } from './identity.ts';
import type { DeviceChoice, ModelDtype } from '../core/index.ts';
import type { TextBackbone, TextBackboneConfig } from './types.ts';

export interface LoadTextBackboneOptions {
  device?: DeviceChoice;
  offline?: boolean;
  revision?: string;
  dtype?: ModelDtype;
  /**
   * Load the attention-output model now instead of the plain one (for callers that mostly `attend`): only
   * one copy of the weights is held; the plain model loads on the first plain forward, if any.
   */
  attentions?: boolean;
  /** Transformers.js file cache for hub models (default `$HF_HOME/transformers.js`). */
  cacheDir?: string;
  onProgress?: (info: unknown) => void;
}

/** Transformers.js' file suffix per dtype (`onnx/model<suffix>.onnx`). */
export const DTYPE_SUFFIX: Record<ModelDtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4' };

/**
 * What every backbone loader does first, text or image: the model source, the dtype's ONNX file, the
 * device (resolved first, so a missing accelerator fails with a diagnosis), and a hub model pinned to
 * the commit its branch resolves to.
 */
export async function resolveBackboneSource(model: string, options: Omit<LoadTextBackboneOptions, 'attentions'>) {
  const requestedSource = resolveModelSource(model, options);
  const dtype = options.dtype ?? 'fp32';
  const suffix = DTYPE_SUFFIX[dtype];
  if (suffix === undefined) throw inputError(`unknown dtype '${dtype}'; valid: ${Object.keys(DTYPE_SUFFIX).join(', ')}`, { flag: '--dtype' });
  const modelFile = `onnx/model${suffix}.onnx`;
  const { device, note } = await resolveDevice(options.device ?? 'auto');
  if (requestedSource.kind === 'local' && options.revision !== undefined) {
    throw usageError(`applies only to hub models; ${requestedSource.dir} is a local folder`, '--revision');
  }
  // Transformers.js takes seconds to import on a busy machine: import it before the commit lookup, so the
  // downloads follow that request at once instead of reusing a connection the hub may have closed meanwhile.
  await configureTransformers(requestedSource);
  const source = requestedSource.kind === 'hub' ? await pinHubCommit(model, requestedSource) : requestedSource;
  return { requestedSource, source, dtype, suffix, modelFile, device, note };
}

/**
 * Loads a BERT-family encoder by hub id (`bert-base-cased`, `owner/name`) or local folder (Hugging Face
 * layout with onnx/model.onnx). The device is resolved first, so a missing accelerator fails with a
 * diagnosis instead of inside ONNX Runtime.
 */
export async function loadTextBackbone(given: string, options: LoadTextBackboneOptions = {}): Promise<TextBackbone> {
  // `bundled:tiny-bert` is generated once into the cache, then loaded like any local folder.
  const model = given === BUNDLED_MODEL ? await ensureTinyBert() : given;
  const { requestedSource, source, dtype, suffix, modelFile, device, note } = await resolveBackboneSource(model, options);
  if (source.kind === 'local') {
    // Checked here because Transformers.js fails on a missing config or tokenizer with a bare TypeError.
    const missing = [modelFile, 'config.json', 'tokenizer.json'].find((file) => !existsSync(join(source.dir, file)));
    if (missing !== undefined) {
      const variants = missing === modelFile ? availableDtypes(source.dir) : [];
      const hint = variants.length > 0 ? `; it has the ${variants.join(', ')} variant${variants.length > 1 ? 's' : ''}: pass --dtype ${variants[0]}` : '';
      throw inputError(`model folder ${source.dir} has no ${missing} (a Transformers.js text model folder needs config.json, tokenizer.json and ${modelFile})${hint}`, { flag: '--model' });
    }
  }
  if (source.kind === 'hub' && source.offline) {
    checkOfflineCache(model, source, ['config.json', 'tokenizer.json', 'tokenizer_config.json', modelFile]);
  }
  await configureTransformers(source);
  const { AutoConfig, AutoModel, Tensor } = await import('@huggingface/transformers');
  const location = source.kind === 'local' ? source.dir : source.repo;
  const revision = source.kind === 'hub' ? transformersRevision(source) : undefined;
  const local_files_only = source.kind === 'hub' ? source.offline : true;
  const loaded = await guard(model, source, async () => ({
    tokenizer: await loadWordPieceTokenizer({ location, revision, offline: local_files_only }),
    pretrainedConfig: await AutoConfig.from_pretrained(location, { revision, local_files_only }),
  }));
  const config = readConfig(loaded.pretrainedConfig, location);
  const identity = source.kind === 'hub' ? hubIdentity(source, dtype) : await localIdentity(source.dir, modelFile);

  const loadModel = () =>
    guard(model, source, async (): Promise<PreTrainedModel> => {
      await configureTransformers(source); // Transformers.js' env is global: another load may have changed it since
      return AutoModel.from_pretrained(location, {
        config: loaded.pretrainedConfig,
        device,
        dtype,
        revision,
        local_files_only,
        progress_callback: options.onProgress as never,
      });
    });
  const loadAttentionModel = () =>
    guard(model, source, async (): Promise<PreTrainedModel> => {
      // A hub model's graph is derived from the downloaded original: loading the plain model fetches it.
      const fetchOriginal = () => backbone.prepareModel();
      const derived = await ensureAttentionModel(source, modelFile, suffix, config.numLayers, sha256Hex(identity), fetchOriginal);
      await configureTransformers(source);
      return AutoModel.from_pretrained(derived, {
        device,
        dtype,
        revision,
        local_files_only: true,
        model_file_name: ATTENTION_MODEL_NAME,
      });
    });

  const backbone = new BertBackbone({
    tokenizer: loaded.tokenizer,
    loadModel,
    loadAttentionModel,
    TensorClass: Tensor,
    identity,
    reference: {
      // The bundled name, not its cache folder: a checkpoint then reloads it even after the cache was cleared.
      model: given === BUNDLED_MODEL ? given : source.kind === 'local' ? source.dir : model,
      // As asked for (`main`); the identity names the commit it was.
      revision: source.kind === 'hub' ? source.revision : undefined,
      dtype,
      identity,
      dim: config.hiddenSize,
    },
    device,
    deviceNote: note,
    config,
    modelPath: source.kind === 'local' ? join(source.dir, modelFile) : join(hubCacheFolder(source), modelFile),
  });
  // Each ONNX session holds all the weights (434 MB for bert-base): load only the one the caller will use now;
  // the other loads on first use. Failures still surface here, at load time.
  try {
    if (options.attentions) await backbone.prepareAttentions();
    else await backbone.prepareModel();
  } catch (error) {
    await backbone.dispose();
    throw error;
  }
  return backbone;
}

/** The dtypes whose model file a local folder holds (`quantize` writes only the q8 one). */
export function availableDtypes(dir: string): ModelDtype[] {
  return (Object.keys(DTYPE_SUFFIX) as ModelDtype[]).filter((dtype) => existsSync(join(dir, `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`)));
}

/** A local folder's backbone identity: the model file's sha256 (cached by path/mtime/size) with the tokenizer's and config's. */
export async function localIdentity(dir: string, modelFile: string): Promise<string> {
  return `local:sha256:${await localIdentityHash(dir, modelFile)}`;
}

/** The model file's sha256 with those of the side files that exist (an image model's: config and preprocessor). */
export async function localIdentityHash(dir: string, modelFile: string, sideFiles = ['tokenizer.json', 'config.json']): Promise<string> {
  const parts = [await cachedFileSha256(join(dir, modelFile))];
  for (const file of sideFiles) {
    if (existsSync(join(dir, file))) parts.push(await cachedFileSha256(join(dir, file)));
  }
  return sha256Hex(parts.join('\n'));
}

function readConfig(pretrained: PretrainedConfig, where: string): TextBackboneConfig {
  const c = pretrained as unknown as Record<string, number | undefined>;
  const config = {
    hiddenSize: c.hidden_size ?? c.dim,
    numLayers: c.num_hidden_layers ?? c.n_layers,
    numHeads: c.num_attention_heads ?? c.n_heads,
    maxPositions: c.max_position_embeddings ?? 512,
  };
  for (const [key, value] of Object.entries(config)) {
    if (!Number.isInteger(value)) throw runtimeError(`config.json of ${where} lacks ${key} (not a BERT-family encoder?)`);
  }
  return config as TextBackboneConfig;
}

/** Our own errors pass; anything from Transformers.js becomes one line naming the model and where it looked. */
export async function guard<T>(model: string, source: ModelSource, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TransferKitError) throw error;
    if (source.kind === 'hub') throw hubLoadError(model, source, error);
    const message = error instanceof Error ? error.message : String(error);
    throw runtimeError(`could not load model from ${source.dir}: ${message.split('\n')[0]}`, {}, error);
  }
}
