import type { Pooling } from '../core/index.ts';

/**
 * How each image model family lays out `last_hidden_state` and pools by default. `spatial` models (CNNs)
 * give [batch, channels, height, width]; `tokens` models (transformers) give [batch, positions, hidden]
 * with the CLS token first.
 */
export interface ImageFamily {
  layout: 'spatial' | 'tokens';
  defaultPooling: Pooling;
}

// pooler_output where the model has a meaningful one (ResNet/ConvNeXt: global pool; DINOv2: the normed CLS
// token); ViT-like models' pooler is an untrained dense+tanh in most checkpoints, so their CLS row is used.
const FAMILIES: Record<string, ImageFamily> = {
  resnet: { layout: 'spatial', defaultPooling: 'pooler' },
  convnext: { layout: 'spatial', defaultPooling: 'pooler' },
  convnextv2: { layout: 'spatial', defaultPooling: 'pooler' },
  regnet: { layout: 'spatial', defaultPooling: 'pooler' },
  mobilenet_v2: { layout: 'spatial', defaultPooling: 'pooler' },
  efficientnet: { layout: 'spatial', defaultPooling: 'pooler' },
  dinov2: { layout: 'tokens', defaultPooling: 'pooler' },
  vit: { layout: 'tokens', defaultPooling: 'cls' },
  deit: { layout: 'tokens', defaultPooling: 'cls' },
  beit: { layout: 'tokens', defaultPooling: 'cls' },
  vit_msn: { layout: 'tokens', defaultPooling: 'cls' },
};

export const IMAGE_MODEL_TYPES = Object.keys(FAMILIES);

export function imageFamily(modelType: string): ImageFamily | undefined {
  return FAMILIES[modelType];
}

/** Feature size: the last stage's width for CNNs (hidden_sizes), hidden_size for transformers. */
export function imageFeatureDim(config: Record<string, unknown>): number | undefined {
  const sizes = config.hidden_sizes;
  if (Array.isArray(sizes) && sizes.length > 0) return Number(sizes[sizes.length - 1]);
  return typeof config.hidden_size === 'number' ? config.hidden_size : undefined;
}
