import type { PaddedBatch } from '../encode/batch.ts';
import type { EncodedInput } from '../encode/pairs.ts';
import type { WordPieceTokenizer } from '../encode/tokenizer.ts';
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
  /** ONNX weight variant when not fp32 (pass back to loadTextBackbone as `dtype`). */
  dtype?: ModelDtype;
  identity: string;
  dim: number;
  /** Set when the backbone is itself a TransferKit checkpoint (model as backbone). */
  checkpoint?: string;
}

/** ONNX weight variants Transformers.js knows (file `onnx/model<suffix>.onnx`). */
export const MODEL_DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4'] as const;
export type ModelDtype = (typeof MODEL_DTYPES)[number];

export interface TextBackboneConfig {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  maxPositions: number;
}

/** One inference over a padded batch. */
export interface ForwardOutput {
  batch: number;
  seq: number;
  /** [batch, seq, hidden] row-major. */
  lastHiddenState: Float32Array;
  /** Present when asked for: one [batch, heads, seq, seq] array per layer. */
  attentions?: Float32Array[];
}

/** A pretrained text encoder (BERT family) run by Transformers.js. */
export interface TextBackbone extends FeatureExtractor {
  readonly reference: BackboneReference;
  /** The device actually used (after resolving `auto`). */
  readonly device: string;
  /** Why `auto` chose this device, when it fell back. */
  readonly deviceNote?: string;
  readonly config: TextBackboneConfig;
  /** Count of ONNX forward passes so far (tests use it to prove caching). */
  readonly forwardCalls: number;
  /** Word-piece tokenizer with the special-token ids (pad id for padBatch, id → token for display). */
  readonly tokenizer: WordPieceTokenizer;
  /** [CLS] A [SEP] (B [SEP]) token ids with longest_first truncation, unpadded. */
  encodeInputs(inputs: TextInput[], maxLength: number): EncodedInput[];
  /** Runs one padded batch; `attentions` uses the derived model with attention outputs. */
  forward(batch: PaddedBatch, options?: { attentions?: boolean }): Promise<ForwardOutput>;
  /** Attention maps of one input (no padding), bertviz layout. */
  attend(input: TextInput, maxLength: number): Promise<AttentionResult>;
}
