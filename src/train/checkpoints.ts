import type { HeadSpec } from '../heads/config.ts';
import type { Head } from '../heads/head.ts';
import type { TrainConfig } from './config.ts';
import type { Metrics } from './events.ts';
import type { OptimizerState } from './optimizers.ts';
import type { TrainerState } from './state.ts';

/** Backbone variables' names in the optimizer state: `backbone/<initializer name>` (no clash with head names). */
export const BACKBONE_OPTIMIZER_PREFIX = 'backbone/';

/** fit keeps two checkpoints: the best by the monitor, and the last (with resume state). */
export type CheckpointSlot = 'best' | 'last';

export interface TrainingMetrics {
  eval: Record<string, Metrics>;
  train: { loss: number; accuracy: number } | null;
}

/** What fit hands over to be saved. */
export interface TrainingSnapshot {
  head: Head;
  labelNames: string[];
  training: TrainConfig;
  metrics: TrainingMetrics;
  epoch: number;
  step: number;
  tfBackend: string;
  /** Given for `last`, so the run can be resumed. */
  resume?: { optimizer: OptimizerState; trainer: TrainerState };
  /** Trained backbone weights by ONNX initializer name (runs with training.unfreezeTop). */
  backbone?: { name: string; shape: number[]; data: Float32Array }[];
}

/** A saved `last` snapshot read back for --resume (the store has checked its features match this run's). */
export interface SavedTraining {
  path: string;
  head: HeadSpec;
  labelNames: string[];
  training: TrainConfig | null;
  metrics: TrainingMetrics | null;
  weights: Map<string, Float32Array>;
  /** Trained backbone weights by ONNX initializer name (empty when the backbone stayed frozen). */
  backbone: Map<string, Float32Array>;
  optimizer: OptimizerState;
  trainer: TrainerState;
  /** The TF.js backend it was trained on (another one rounds differently). */
  tfBackend: string;
}

/**
 * Where fit keeps its checkpoints. The trainer only talks to this interface; src/checkpoint implements it
 * as folders (checkpointFolder), so training never depends on the file format.
 */
export interface CheckpointStore {
  /** The checkpoint already saved in a slot (a resumed run goes on reporting it), if any. */
  existing(slot: CheckpointSlot): string | undefined;
  /** Saves atomically and returns the checkpoint's path. */
  save(slot: CheckpointSlot, snapshot: TrainingSnapshot): Promise<string>;
  /** The `last` snapshot with its resume state; a usage error when there is none or its features differ. */
  loadLast(): Promise<SavedTraining>;
}
