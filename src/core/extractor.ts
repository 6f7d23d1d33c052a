import type { FeatureMatrix } from './features.ts';
import type { Modality, TextInput } from './inputs.ts';

/**
 * How a backbone's outputs become one vector: the first ([CLS]) position, the mean over positions (tokens,
 * patches or the spatial grid), or the model's own `pooler_output` (ResNet, ConvNeXt, DINOv2).
 */
export type Pooling = 'cls' | 'mean' | 'pooler';
export const POOLINGS: readonly Pooling[] = ['cls', 'mean', 'pooler'];
export type DeviceChoice = 'cpu' | 'cuda' | 'webgpu' | 'auto';

export interface ExtractOptions {
  pooling: Pooling;
  /** Token limit of a text backbone (longest_first truncation); image backbones ignore it. */
  maxLength: number;
  batchSize?: number;
  /** Sort by length inside windows so batches carry little padding (default true). */
  bucketing?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Anything that turns inputs into fixed-size feature vectors: a pretrained backbone, or a trained
 * TransferKit model reused frozen as the feature extractor of the next one. `Input` is the modality.
 */
export interface FeatureExtractor<Input = TextInput> {
  /** Stable identity for the feature cache: model id + revision, or a hash of the model file. */
  readonly identity: string;
  readonly dim: number;
  extract(inputs: Input[], options: ExtractOptions): Promise<FeatureMatrix>;
  dispose(): Promise<void>;
}

/** ONNX weight variants Transformers.js knows (file `onnx/model<suffix>.onnx`). */
export const MODEL_DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4'] as const;
export type ModelDtype = (typeof MODEL_DTYPES)[number];

/** What a checkpoint records about its backbone so it can be loaded again. */
export interface BackboneReference {
  /** Hub id (`bert-base-cased`) or absolute local folder. */
  model: string;
  revision?: string;
  /** ONNX weight variant (pass back to the backbone loader as `dtype`); absent in older checkpoints: fp32. */
  dtype?: ModelDtype;
  identity: string;
  dim: number;
  /** Set when the backbone is itself a TransferKit checkpoint (model as backbone). */
  checkpoint?: string;
  /** What the backbone reads; absent means text (checkpoints written before images existed). */
  modality?: Modality;
  /** sha256 of the image processor config (preprocessor_config.json) an image backbone applies. */
  preprocessing?: string;
}
