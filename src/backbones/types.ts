import type { FeatureMatrix } from '../features/types.ts';

export type Pooling = 'cls' | 'mean';
export type DeviceChoice = 'cpu' | 'cuda' | 'webgpu' | 'auto';

/** One input: a single text or a pair (premise / hypothesis). */
export interface TextInput {
  text: string;
  textPair?: string;
}

export interface ExtractOptions {
  pooling: Pooling;
  maxLength: number;
  batchSize?: number;
  /** Sort by length inside windows so batches carry little padding (default true). */
  bucketing?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** Per-layer attention probabilities for one input, bertviz layout without the batch dimension. */
export interface AttentionResult {
  tokens: string[];
  /** Index of the first token of sentence B, or null for a single text. */
  sentenceBStart: number | null;
  numHeads: number;
  /** One Float32Array per layer, [heads, seq, seq] row-major. */
  layers: Float32Array[];
}

/**
 * Anything that turns inputs into fixed-size feature vectors: a pretrained text backbone, or a trained
 * TransferKit model reused frozen as the feature extractor of the next one.
 */
export interface FeatureExtractor {
  /** Stable identity for the feature cache: model id + revision, or a hash of the model file. */
  readonly identity: string;
  readonly dim: number;
  extract(inputs: TextInput[], options: ExtractOptions): Promise<FeatureMatrix>;
  dispose(): Promise<void>;
}

/** What a checkpoint records about its backbone so it can be loaded again. */
export interface BackboneReference {
  /** Hub id (`bert-base-cased`) or absolute local folder. */
  model: string;
  revision?: string;
  identity: string;
  dim: number;
  /** Set when the backbone is itself a TransferKit checkpoint (model as backbone). */
  checkpoint?: string;
}
