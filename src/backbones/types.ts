import type { PaddedBatch } from '../encode/batch.ts';
import type { EncodedInput } from '../encode/pairs.ts';
import type { WordPieceTokenizer } from '../encode/tokenizer.ts';
import type { BackboneReference, FeatureExtractor, TextInput } from '../core/index.ts';

/** Per-layer attention probabilities for one input, bertviz layout without the batch dimension. */
export interface AttentionResult {
  tokens: string[];
  /** Index of the first token of sentence B, or null for a single text. */
  sentenceBStart: number | null;
  numHeads: number;
  /** One Float32Array per layer, [heads, seq, seq] row-major. */
  layers: Float32Array[];
}

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
  /** The ONNX file it runs (for graph surgery: the lower part of split execution). */
  readonly modelPath: string;
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
