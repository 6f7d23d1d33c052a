import type { BackboneReference, Pooling } from '../core/index.ts';
import type { Standardization } from '../features/standardize.ts';
import type { HeadSpec } from '../heads/config.ts';
import type { TrainConfig } from '../train/config.ts';
import type { Metrics } from '../train/events.ts';
import type { OptimizerKind } from '../train/optimizers.ts';
import type { TrainerState } from '../train/state.ts';
import type { TensorEntry } from './tensors.ts';
import type { Versions } from './versions.ts';

export const CHECKPOINT_FORMAT = 'transferkit-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';
export const OPTIMIZER_FILE = 'optimizer.bin';
/** A run's checkpoint folder holds these: the best by the monitor, and the last (with resume state). */
export const BEST_DIR = 'best';
export const LAST_DIR = 'last';
/** The folder of a finetune output directory that holds best/ and last/. */
export const RUN_CHECKPOINT_DIR = 'checkpoint';

/** What produced the features a head was trained on; needed to rebuild the model for prediction. */
export interface FeatureSource {
  /** null when the head was trained on features given directly (no backbone to reload). */
  backbone: BackboneReference | null;
  pooling: Pooling | null;
  maxLength: number | null;
  /** Data sources by split name, for the record. */
  data?: Record<string, string>;
  /** Per-dimension mean and std of the training features: the head reads (features - mean) / std. */
  standardize?: Standardization;
}

export interface BinaryFile {
  file: string;
  byteLength: number;
  sha256: string;
  tensors: TensorEntry[];
}

export interface CheckpointManifest extends FeatureSource {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  createdAt: string;
  labelNames: string[];
  head: HeadSpec;
  training: TrainConfig | null;
  metrics: { eval: Record<string, Metrics>; train: { loss: number; accuracy: number } | null } | null;
  epoch: number;
  step: number;
  tfBackend: string;
  versions: Versions;
  weights: BinaryFile;
  /** Present in `last` checkpoints: what --resume needs to continue exactly. */
  resume: { optimizer: BinaryFile & { kind: OptimizerKind; step: number }; trainer: TrainerState } | null;
}
