import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageInput, RawImageLike } from '../core/index.ts';
import { inputError } from '../errors.ts';
import { checkOfflineCache, configureTransformers, hubCacheFolder, transformersRevision } from './hub.ts';
import { hubIdentity } from './hub-identity.ts';
import { sha256Hex } from './identity.ts';
import { ImageBackbone, imageDecodeError } from './image.ts';
import { IMAGE_MODEL_TYPES, imageFamily, imageFeatureDim } from './image-families.ts';
import { guard, localIdentityHash, resolveBackboneSource, type LoadTextBackboneOptions } from './load.ts';

export type LoadImageBackboneOptions = Omit<LoadTextBackboneOptions, 'attentions'>;

const PREPROCESSOR_FILE = 'preprocessor_config.json';

/**
 * Loads a vision backbone (ResNet, ConvNeXt, ViT, DINOv2, ... families) by hub id or local folder in
 * Hugging Face layout: config.json, preprocessor_config.json and onnx/model.onnx. Preprocessing is
 * Transformers.js' AutoImageProcessor with the model's own config, so nothing is resized or normalised
 * by hand.
 */
export async function loadImageBackbone(model: string, options: LoadImageBackboneOptions = {}): Promise<ImageBackbone> {
  const { source, dtype, modelFile, device, note } = await resolveBackboneSource(model, options);
  if (source.kind === 'local') {
    const missing = [modelFile, 'config.json', PREPROCESSOR_FILE].find((file) => !existsSync(join(source.dir, file)));
    if (missing !== undefined) {
      throw inputError(`model folder ${source.dir} has no ${missing} (a Transformers.js image model folder needs config.json, ${PREPROCESSOR_FILE} and ${modelFile})`, { flag: '--model' });
    }
  }
  if (source.kind === 'hub' && source.offline) checkOfflineCache(model, source, ['config.json', PREPROCESSOR_FILE, modelFile]);
  await configureTransformers(source);
  const { AutoConfig, AutoModel, AutoImageProcessor, RawImage } = await import('@huggingface/transformers');
  const location = source.kind === 'local' ? source.dir : source.repo;
  const revision = source.kind === 'hub' ? transformersRevision(source) : undefined;
  const local_files_only = source.kind === 'hub' ? source.offline : true;

  const { config, processor, loaded } = await guard(model, source, async () => ({
    config: (await AutoConfig.from_pretrained(location, { revision, local_files_only })) as unknown as Record<string, unknown>,
    processor: await AutoImageProcessor.from_pretrained(location, { revision, local_files_only }),
    loaded: await AutoModel.from_pretrained(location, { device, dtype, revision, local_files_only, progress_callback: options.onProgress as never }),
  }));
  const modelType = String(config.model_type ?? '');
  const family = imageFamily(modelType);
  const dim = imageFeatureDim(config);
  if (!family || !dim) {
    await loaded.dispose();
    throw inputError(`model_type '${modelType}' is not an image backbone TransferKit knows (${IMAGE_MODEL_TYPES.join(', ')})`, { flag: '--model' });
  }
  const processorText = await readFile(source.kind === 'local' ? join(source.dir, PREPROCESSOR_FILE) : join(hubCacheFolder(source), PREPROCESSOR_FILE), 'utf8').catch(() => JSON.stringify(processor.config ?? {}));
  const preprocessing = sha256Hex(processorText);
  const identity =
    source.kind === 'hub'
      ? hubIdentity(source, dtype)
      : `local:sha256:${await localIdentityHash(source.dir, modelFile, ['config.json', PREPROCESSOR_FILE])}`;

  const decode = async (input: ImageInput, index: number): Promise<unknown> => {
    const where = typeof input === 'string' ? input : `image ${index + 1}`;
    try {
      if (typeof input === 'string') return await RawImage.read(input);
      if (input instanceof Uint8Array) {
        if (input.length === 0) throw new Error('zero bytes');
        return await RawImage.fromBlob(new Blob([input]));
      }
      const raw = input as RawImageLike;
      return new RawImage(raw.data instanceof Uint8ClampedArray ? raw.data : new Uint8ClampedArray(raw.data.buffer, raw.data.byteOffset, raw.data.length), raw.width, raw.height, raw.channels as 1 | 2 | 3 | 4);
    } catch (error) {
      throw imageDecodeError(where, error);
    }
  };

  return new ImageBackbone({
    model: loaded,
    processor: (images) => processor(images as never) as never,
    decode,
    family,
    modelType,
    reference: {
      model: source.kind === 'local' ? source.dir : model,
      revision: source.kind === 'hub' ? source.revision : undefined,
      ...(dtype === 'fp32' ? {} : { dtype }),
      identity,
      dim,
      modality: 'image',
      preprocessing,
    },
    device,
    deviceNote: note,
  });
}
