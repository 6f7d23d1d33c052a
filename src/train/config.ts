import { usageError } from '../errors.ts';
import type { OptimizerKind } from './optimizers.ts';
import type { ScheduleKind } from './schedule.ts';
import { defaultMode, parseMonitor } from './metrics.ts';

export interface EarlyStoppingConfig {
  /** `<set>/<loss|accuracy|macro_f1>`: a validation set name (e.g. `matched/accuracy`) or `train/loss`. */
  monitor: string;
  /** Omitted: `min` for loss, `max` otherwise. */
  mode?: 'min' | 'max';
  /** Epochs without improvement before stopping (Lightning semantics: stop when wait >= patience). */
  patience: number;
  /** An epoch improves only if it beats the best by more than this. */
  minDelta: number;
}

/** Everything that shapes a training run; recorded in every checkpoint's manifest. */
export interface TrainConfig {
  epochs: number;
  batchSize: number;
  evalBatchSize: number;
  optimizer: OptimizerKind;
  learningRate: number;
  /** AdamW: decoupled; Adam and SGD: L2 added to the gradient. Never applied to biases. */
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** SGD only. */
  momentum: number;
  schedule: ScheduleKind;
  /** Fraction of all steps used for linear warmup; ignored when warmupSteps > 0. */
  warmupRatio: number;
  warmupSteps: number;
  /** Global L2 norm gradients are clipped to; 0 disables clipping. */
  maxGradNorm: number;
  /** Per-class loss weights (one per label), 'balanced' (n / (k · count)), or null for none. */
  classWeights: number[] | 'balanced' | null;
  seed: number;
  earlyStopping: EarlyStoppingConfig | null;
  /** Metric that picks the best checkpoint; null: the early-stopping monitor, else `<first set>/accuracy`. */
  checkpointMonitor: string | null;
  checkpointMode?: 'min' | 'max';
  saveBest: boolean;
  saveLast: boolean;
  /** Also save `last` every N optimizer steps (0: only at epoch ends), so a crash loses little work. */
  saveEverySteps: number;
  /**
   * Backbone layers that train with the head, as Lightning's BackboneFinetuning: the top K layers, or
   * 'all' (every layer and the embeddings); null or absent: the backbone stays frozen.
   */
  unfreezeTop?: number | 'all' | null;
  /** The epoch (0-based) from which the backbone layers train; before it the head trains alone. */
  unfreezeAtEpoch?: number;
  /** The backbone layers' learning rate as a fraction of the head's. */
  backboneLrRatio?: number;
  /**
   * Epochs that train the backbone layers draw their batches length-grouped (HF Trainer's
   * group_by_length: train/length-grouped.ts), so each batch is padded to a length close to its rows'.
   * Head-only epochs train on cached features, which have no padding, and keep the plain shuffle.
   * Absent or default: false, as checkpoints from before the option trained (finetune's default is off
   * too; run/config.ts says why).
   */
  groupByLength?: boolean;
}

export function defaultTrainConfig(): TrainConfig {
  return {
    epochs: 3,
    batchSize: 32,
    evalBatchSize: 256,
    optimizer: 'adamw',
    learningRate: 1e-3,
    weightDecay: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    momentum: 0.9,
    schedule: 'linear',
    warmupRatio: 0.1,
    warmupSteps: 0,
    maxGradNorm: 1.0,
    classWeights: null,
    seed: 42,
    earlyStopping: null,
    checkpointMonitor: null,
    saveBest: true,
    saveLast: true,
    saveEverySteps: 0,
    unfreezeTop: null,
    unfreezeAtEpoch: 0,
    backboneLrRatio: 0.1,
    groupByLength: false,
  };
}

/** Validates a config against the label set and validation set names; throws usage errors naming the setting. */
export function validateTrainConfig(config: TrainConfig, labelCount: number, validationNames: string[]): void {
  const positiveInt = (value: number, name: string) => {
    if (!Number.isInteger(value) || value < 1) throw usageError(`${name} must be an integer >= 1; got ${value}`, flagFor(name));
  };
  positiveInt(config.epochs, 'epochs');
  positiveInt(config.batchSize, 'batchSize');
  positiveInt(config.evalBatchSize, 'evalBatchSize');
  if (!['adamw', 'adam', 'sgd'].includes(config.optimizer)) throw usageError(`optimizer must be adamw, adam or sgd; got '${config.optimizer}'`, '--optimizer');
  if (!['linear', 'cosine', 'constant'].includes(config.schedule)) throw usageError(`schedule must be linear, cosine or constant; got '${config.schedule}'`, '--lr-schedule');
  for (const [name, value] of [['learningRate', config.learningRate], ['weightDecay', config.weightDecay], ['maxGradNorm', config.maxGradNorm], ['warmupSteps', config.warmupSteps], ['saveEverySteps', config.saveEverySteps]] as const) {
    if (!(Number.isFinite(value) && value >= 0)) throw usageError(`${name} must be a number >= 0; got ${value}`, flagFor(name));
  }
  if (!(config.warmupRatio >= 0 && config.warmupRatio < 1)) throw usageError(`warmupRatio must be in [0, 1); got ${config.warmupRatio}`, '--warmup-ratio');
  if (config.classWeights !== null && config.classWeights !== 'balanced' && !Array.isArray(config.classWeights)) {
    throw usageError(`class weights must be 'balanced' or one number per label; got ${JSON.stringify(config.classWeights)}`, '--class-weights');
  }
  if (Array.isArray(config.classWeights)) {
    if (config.classWeights.length !== labelCount || !config.classWeights.every((w) => Number.isFinite(w) && w >= 0)) {
      throw usageError(`class weights must be ${labelCount} non-negative numbers (one per label); got ${config.classWeights.join(',')}`, '--class-weights');
    }
  }
  const checkMonitor = (monitor: string, flag: string) => {
    let set: string;
    try {
      set = parseMonitor(monitor).set;
    } catch (error) {
      throw usageError((error as Error).message, flag);
    }
    if (set !== 'train' && !validationNames.includes(set)) {
      throw usageError(`monitor '${monitor}' names no validation set (have: ${['train', ...validationNames].join(', ')})`, flag);
    }
  };
  if (config.earlyStopping) {
    checkMonitor(config.earlyStopping.monitor, '--early-stopping-monitor');
    positiveInt(config.earlyStopping.patience, 'patience');
  }
  if (config.checkpointMonitor) checkMonitor(config.checkpointMonitor, '--checkpoint-monitor');
  const top = config.unfreezeTop;
  if (top !== undefined && top !== null && top !== 'all' && !(Number.isInteger(top) && top >= 1)) {
    throw usageError(`must be 'all' or a number of layers >= 1; got '${top}'`, '--unfreeze-top');
  }
  const at = config.unfreezeAtEpoch ?? 0;
  if (!(Number.isInteger(at) && at >= 0 && (top === null || top === undefined || at < config.epochs))) {
    throw usageError(`must be an epoch from 0 to ${config.epochs - 1} (there are ${config.epochs} epochs); got ${at}`, '--unfreeze-at-epoch');
  }
  const ratio = config.backboneLrRatio ?? 0.1;
  if (!(Number.isFinite(ratio) && ratio > 0)) throw usageError(`must be a number > 0; got ${ratio}`, '--backbone-lr-ratio');
}

/** The metric and direction that pick the best checkpoint. */
export function resolveCheckpointMonitor(config: TrainConfig, validationNames: string[]): { monitor: string; mode: 'min' | 'max' } {
  const monitor =
    config.checkpointMonitor ??
    config.earlyStopping?.monitor ??
    (validationNames.length > 0 ? `${validationNames[0]}/accuracy` : 'train/loss');
  const mode = config.checkpointMonitor ? config.checkpointMode : config.earlyStopping && !config.checkpointMonitor ? config.earlyStopping.mode : undefined;
  return { monitor, mode: mode ?? defaultMode(monitor) };
}

function flagFor(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
