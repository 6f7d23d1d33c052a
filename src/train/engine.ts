/**
 * Who computes a training step of the backbone layers: TF.js autodiff (the reference, and the engine
 * wherever tfjs-node or a GPU backend is installed) or ONNX Runtime running a differentiated
 * training-step graph (train/ort). Same trainer, events, checkpoints, resume and export; only the step
 * differs. fit() holds one engine while the layers train.
 */
import type * as tf from '@tensorflow/tfjs';
import type { PreparedBatch } from '../backbones/split/split-encoder.ts';
import type { FeatureMatrix, Rng } from '../core/index.ts';

export const TRAIN_ENGINES = ['auto', 'ort', 'tfjs'] as const;
export type TrainEngineChoice = (typeof TRAIN_ENGINES)[number];

export interface EngineStepOptions {
  lr: number;
  maxGradNorm: number;
  /** Per-class loss weights, as values (the ort engine) and as a tensor (the TF.js one); null: all 1. */
  classWeights: Float32Array | null;
  classWeightsTensor: tf.Tensor1D | null;
}

export interface StepResult {
  loss: number;
  correct: number;
}

export interface TrainingEngine {
  /** 'tfjs wasm', 'ort cpu': what the header, results.json and the bench name. */
  readonly name: string;
  /** Whether its batches come in length groups (SplitEncoder.prepare's `grouped`). */
  readonly lengthGroups: boolean;
  /** One optimizer step on one batch of the backbone's input (the lower part's states, or token ids). */
  step(batch: PreparedBatch, labels: Int32Array, dropoutRng: Rng, options: EngineStepOptions): Promise<StepResult>;
  /** Pooled [rows, hidden] features of a batch with the current weights, where the engine computes them faster than the TF.js top. */
  pooled?(batch: PreparedBatch): Promise<Float32Array>;
  /** Leaves the TF.js variables and optimizer holding the trained values (before a save, an evaluation, the end). */
  flush(): Promise<void>;
  /** How many step graphs it has built so far (ort: one session per shape bucket); a step that built one is not timed for the estimate. */
  graphsBuilt?(): number;
  dispose(): Promise<void>;
}

/**
 * Who computes the steps that train the head alone (frozen backbone, or the epochs before
 * --unfreeze-at-epoch) from rows of the feature matrix: ONNX Runtime's head step graph (ort/head-engine.ts)
 * or TF.js (head-steps.ts). Like TrainingEngine it may hold the weights until flushed.
 */
export interface HeadStepEngine {
  /** 'ort cpu', 'tfjs wasm'. */
  readonly name: string;
  /** One optimizer step on rows order[start..end) of `train`. */
  step(train: { features: FeatureMatrix; labels: Int32Array }, order: Int32Array, start: number, end: number, dropoutRng: Rng, options: EngineStepOptions): Promise<StepResult>;
  /** Leaves the TF.js variables and optimizer holding the trained values. */
  flush(): Promise<void>;
  dispose(): Promise<void>;
}
