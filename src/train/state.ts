import { createHash } from 'node:crypto';
import type { FeatureMatrix } from '../core/index.ts';
import type { MonitorState } from './early-stopping.ts';

/** Where a run stands, saved with every `last` checkpoint so --resume continues exactly. */
export interface TrainerState {
  /** Epoch in progress (0-based); equals `epochs` once training finished. */
  epoch: number;
  /** Batches of `epoch` already done. */
  stepInEpoch: number;
  /** Optimizer steps done in the whole run. */
  globalStep: number;
  /** The run generator's state; shuffles and dropout streams are derived from it by epoch and step. */
  rngState: number[];
  /** Running sums over the epoch in progress, so its train loss/accuracy come out the same after a resume. */
  epochLossSum: number;
  epochCorrect: number;
  epochSeen: number;
  earlyStopping: MonitorState;
  stoppedEarly: boolean;
  best: MonitorState;
  /** Training seconds before this process (for examples/s over the whole run). */
  elapsedSeconds: number;
  /** What the run trains on (absent in older checkpoints): --resume refuses other training data. */
  trainData?: TrainDataFingerprint;
}

/**
 * Rows and a hash of the labels. Not of the features: re-extracted on another device they differ in the
 * last bits, which must not block a resume; the backbone, pooling and max length are checked apart.
 */
export interface TrainDataFingerprint {
  rows: number;
  sha256: string;
}

export function trainDataFingerprint(features: FeatureMatrix, labels: Int32Array): TrainDataFingerprint {
  const hash = createHash('sha256');
  hash.update(`${features.rows}x${features.dim}\n`);
  hash.update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
  return { rows: features.rows, sha256: hash.digest('hex') };
}

export function isTrainerState(value: unknown): value is TrainerState {
  const v = value as TrainerState;
  const monitor = (m: MonitorState) => m && typeof m === 'object' && (m.best === null || typeof m.best === 'number') && Number.isInteger(m.wait);
  return (
    !!v &&
    typeof v === 'object' &&
    [v.epoch, v.stepInEpoch, v.globalStep, v.epochCorrect, v.epochSeen].every((n) => Number.isInteger(n) && n >= 0) &&
    Array.isArray(v.rngState) &&
    v.rngState.length === 4 &&
    v.rngState.every((n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32) &&
    typeof v.epochLossSum === 'number' &&
    typeof v.elapsedSeconds === 'number' &&
    typeof v.stoppedEarly === 'boolean' &&
    monitor(v.earlyStopping) &&
    monitor(v.best) &&
    (v.trainData === undefined || (Number.isInteger(v.trainData?.rows) && typeof v.trainData?.sha256 === 'string'))
  );
}
