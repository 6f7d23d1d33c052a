import type { BackboneReference, FeatureExtractor, Pooling } from '../core/index.ts';
import { usageError } from '../errors.ts';
import { findCheckpointDir } from '../checkpoint/load.ts';
import type { FinetuneConfig } from './config.ts';
import { offlineOption } from './run-data.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- text or image inputs, by task
export type RunExtractor = FeatureExtractor<any> & { reference?: BackboneReference; pooling?: Pooling; maxLength?: number };

export type ExtractorConfig = Pick<FinetuneConfig, 'task' | 'model' | 'device' | 'offline' | 'tfBackend' | 'dtype'>;

/** A pretrained backbone, or — when --model is a TransferKit checkpoint — that model, frozen, as the extractor. */
export async function loadExtractor(config: ExtractorConfig): Promise<RunExtractor> {
  const checkpoint = findCheckpointDir(config.model);
  if (checkpoint) {
    const { TransferModel } = await import('../model/transfer-model.ts');
    const model = await TransferModel.loadFromCheckpoint(checkpoint, { device: config.device, offline: offlineOption(config), tfBackend: config.tfBackend });
    return model.asFeatureExtractor();
  }
  if (config.task === 'image-classification') {
    const { loadImageBackbone } = await import('../backbones/load-image.ts');
    return loadImageBackbone(config.model, { device: config.device, offline: offlineOption(config) });
  }
  const { loadTextBackbone } = await import('../backbones/load.ts');
  return loadTextBackbone(config.model, { device: config.device, offline: offlineOption(config), dtype: config.dtype });
}

/**
 * The pooling and max length features are extracted (and cached) with: a TransferKit model as backbone
 * applies its own; otherwise the config's, 'auto' pooling resolved for the backbone.
 */
export function featureSettings(config: Pick<FinetuneConfig, 'task' | 'pooling' | 'maxLength'>, extractor: RunExtractor): { pooling: Pooling; maxLength: number } {
  const own: { pooling?: Pooling; maxLength?: number } = extractor.reference?.checkpoint ? extractor : {};
  return { pooling: own.pooling ?? resolvePooling(config, extractor), maxLength: own.maxLength ?? config.maxLength };
}

/** 'auto' → [CLS] for text, the family's pooling for images; text has no pooler_output to offer. */
function resolvePooling(config: Pick<FinetuneConfig, 'task' | 'pooling'>, extractor: unknown): Pooling {
  const requested = config.pooling === 'auto' ? undefined : config.pooling;
  if (config.task === 'image-classification') {
    const image = extractor as { resolvePooling?: (p?: Pooling) => Pooling };
    return image.resolvePooling ? image.resolvePooling(requested) : (requested ?? 'cls');
  }
  if (requested === 'pooler') throw usageError('text backbones give cls or mean pooling', '--pooling');
  return requested ?? 'cls';
}
