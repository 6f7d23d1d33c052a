import { existsSync } from 'node:fs';
import { MODEL_DTYPES, type DeviceChoice, type ModelDtype, type Pooling } from '../core/index.ts';
import { usageError } from '../errors.ts';
import { parseLabelNames } from '../data/flags.ts';
import { TRAIN_ENGINES, type TrainEngineChoice } from '../train/engine.ts';

import { BUNDLED_MODEL } from '../fixtures/bert.ts';

export { BUNDLED_MODEL };
/** The pretrained backbone a finetune uses unless told otherwise. */
export const DEFAULT_MODEL = 'bert-base-cased';

export type HeadKind = 'linear' | 'mlp';
export const TASKS = ['text-classification', 'image-classification'] as const;
export type Task = (typeof TASKS)[number];
export type OptimizerKind = 'adamw' | 'adam' | 'sgd';
export type SchedulerKind = 'linear' | 'cosine' | 'constant';

/** Everything a finetune run needs; the CLI flags, the Ink setup screen and the library API all fill this. */
export interface FinetuneConfig {
  /** text-classification (pairs or single texts) or image-classification. */
  task: Task;
  model: string;
  /** ONNX weight variant of a pretrained backbone (`onnx/model<suffix>.onnx`); recorded in checkpoints. */
  dtype: ModelDtype;
  /** Data source of the training set (path or hub spec such as `glue/mnli:train`). */
  train: string;
  /**
   * Named evaluation sets, e.g. { matched: '…', mismatched: '…' }. Empty: the bundled training split gets
   * its own validation split; any other training data is validated on nothing (a notice says so).
   */
  validation: Record<string, string>;
  /** Hold out this fraction (0-1) of the training rows, seeded, as the set named `validation`. */
  validationSplit?: number;
  /** Class names in index order (default: the MNLI three for NLI-shaped labels, else from the data). */
  labelNames?: string[];
  maxLength: number;
  /** Head-training batch size. */
  batchSize: number;
  /** Backbone batch size for feature extraction. */
  extractBatchSize: number;
  lr: number;
  /** 'auto': enough epochs for about AUTO_EPOCH_STEPS optimizer steps on this training set. */
  epochs: number | 'auto';
  seed: number;
  head: HeadKind;
  /** Hidden layer sizes of the mlp head. */
  mlpHidden: number[];
  dropout: number;
  /** Per-class loss weights (one per label) or 'balanced' (n / (k · count)); unset: every class weighs 1. */
  classWeights?: number[] | 'balanced';
  optimizer: OptimizerKind;
  scheduler: SchedulerKind;
  warmupRatio: number;
  weightDecay: number;
  /** Clip the gradients' global L2 norm to this (HF's max_grad_norm); 0 turns clipping off. */
  maxGradNorm: number;
  /** Early stopping patience in epochs; 0 turns it off. */
  patience: number;
  /** 'auto': [CLS] for text; the backbone family's own for images (pooler_output or CLS). */
  pooling: Pooling | 'auto';
  /** Standardise features with the training set's mean and std (stored in the checkpoint, applied by predict). */
  standardize: boolean;
  device: DeviceChoice;
  tfBackend?: string;
  outputDir: string;
  maxTrainSamples?: number;
  maxEvalSamples?: number;
  resume: boolean;
  /** Replace a finished or stopped run already in outputDir. */
  overwrite: boolean;
  offline: boolean;
  lenient: boolean;
  /** Backbone layers trained with the head (Lightning's BackboneFinetuning): 0 = frozen backbone, K = the top K, 'all' = every layer and the embeddings. */
  unfreezeTop: number | 'all';
  /** The epoch (0-based) from which those layers train; the head trains alone before it. */
  unfreezeAtEpoch: number;
  /** The backbone layers' learning rate as a fraction of --lr. */
  backboneLrRatio: number;
  /** Batches of the epochs that train backbone layers are grouped by length (HF's group_by_length; TrainConfig.groupByLength). Off by default. */
  groupByLength: boolean;
  /**
   * With unfreezeTop: also train a frozen-head baseline (same head, settings and seed, on the frozen
   * backbone's cached features) in the same run, and report its metrics beside the trained layers'.
   */
  compareFrozen: boolean;
  /** Bytes of disk the lower part's hidden states may take (e.g. 2GB); beyond it they are recomputed every epoch. */
  cacheBudget: number;
  cacheDtype: 'float16' | 'float32';
  /** What trains the backbone layers: ONNX Runtime's training-step graph, TF.js autodiff, or auto (ort where its graph builds). */
  trainEngine: TrainEngineChoice;
  /** A resumable `last` checkpoint every this many optimizer steps within an epoch (HF's save_steps); every epoch end saves one anyway. */
  saveSteps: number;
  /** Resume even on another TF.js backend than the run was trained on (its numbers then drift slightly). */
  force: boolean;
  /** Compute the rows a sharded extraction left missing instead of refusing (and naming the shards). */
  extractMissing: boolean;
}

export function defaultFinetuneConfig(): FinetuneConfig {
  return {
    task: 'text-classification',
    model: DEFAULT_MODEL,
    dtype: 'fp32',
    train: 'bundled:nli-tiny/train',
    validation: {},
    maxLength: 128,
    batchSize: 32,
    extractBatchSize: 32,
    // A frozen backbone leaves only the head to train: it wants a far larger step than run_glue's 2e-5.
    lr: 1e-3,
    epochs: 3,
    seed: 42,
    head: 'linear',
    mlpHidden: [256],
    dropout: 0.1,
    optimizer: 'adamw',
    scheduler: 'linear',
    warmupRatio: 0.06,
    weightDecay: 0.01,
    maxGradNorm: 1.0,
    patience: 0,
    pooling: 'cls',
    standardize: false,
    device: 'auto',
    outputDir: newRunDir(),
    resume: false,
    overwrite: false,
    offline: false,
    lenient: false,
    unfreezeTop: 0,
    unfreezeAtEpoch: 0,
    backboneLrRatio: 0.1,
    // Off, as in the HF Trainer, by measurement on the bundled set (README, "Training backbone layers
    // too"): grouped batches cut an epoch of layer training to 0.58x (43% of token slots were padding,
    // 14% grouped) but learn less per epoch there (--unfreeze-top all, 7 epochs, seeds 42/1/2/3: +20.8 /
    // +18.0 / +8.2 / +12.7 points grouped against +23.0 / +25.3 / +20.3 / +27.8 shuffled), so at equal
    // time neither wins, and top 2 grouped stayed on the loss plateau (seed 1, 20 epochs: +0.5 against +22.3).
    groupByLength: false,
    compareFrozen: false,
    cacheBudget: 4 * 2 ** 30,
    cacheDtype: 'float16',
    trainEngine: 'auto',
    // Long epochs (MNLI train is 392k pairs) get a resumable checkpoint every few hundred steps.
    saveSteps: 500,
    force: false,
    extractMissing: false,
  };
}

/** Optimizer steps an `--epochs auto` run aims for: measured on ResNet8 features of 2,000 CIFAR-10 images. */
export const AUTO_EPOCH_STEPS = 1000;
const AUTO_EPOCHS_RANGE = [3, 100] as const;

/** Epochs for `auto`: about AUTO_EPOCH_STEPS steps, at least 3 and at most 100 epochs. */
export function resolveEpochs(epochs: number | 'auto', trainRows: number, batchSize: number): number {
  if (epochs !== 'auto') return epochs;
  const stepsPerEpoch = Math.max(1, Math.ceil(trainRows / batchSize));
  return Math.min(AUTO_EPOCHS_RANGE[1], Math.max(AUTO_EPOCHS_RANGE[0], Math.ceil(AUTO_EPOCH_STEPS / stepsPerEpoch)));
}

/**
 * Defaults per task. Images: standardised features, epochs scaled to the data and lr 3e-3, chosen from
 * measurements on ResNet8 / CIFAR-10 (README, "Images"): today's text defaults (3 epochs, lr 1e-3, raw
 * features) reach 38.6% there, these 78.1%.
 */
export function taskDefaults(task: Task): FinetuneConfig {
  const base = defaultFinetuneConfig();
  if (task === 'text-classification') return base;
  return { ...base, task, train: '', validation: {}, pooling: 'auto', standardize: true, epochs: 'auto', lr: 3e-3 };
}

/**
 * A fresh folder for a run that names none: `runs/YYYYMMDD-HHMMSS` (local time), with `-2`, `-3`, … when
 * that one exists already, so `transferkit train` and `transferkit finetune` can run one after another.
 */
export function newRunDir(now = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}-${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
  let dir = `runs/${stamp}`;
  for (let n = 2; existsSync(dir); n++) dir = `runs/${stamp}-${n}`;
  return dir;
}

/**
 * The interactive trainer's starting point: for text the bundled model preselected, so `transferkit train`
 * runs offline at once; a scripted finetune defaults to the pretrained bert-base-cased instead, so real data
 * is never silently paired with a random-weight model. Images have no bundled model or data: the task's
 * defaults with the model left empty, for the setup screen to ask for.
 */
export function interactiveFinetuneConfig(task: Task = 'text-classification'): FinetuneConfig {
  // The validation set is spelled out so the setup screen shows it (and the user can change it).
  if (task === 'text-classification') return { ...defaultFinetuneConfig(), model: BUNDLED_MODEL, validation: { validation: BUNDLED_VALIDATION } };
  return { ...taskDefaults(task), model: '' };
}

/**
 * `current` moved from one task's defaults to another's: every field still equal to its value in
 * `before` takes its value in `after`; fields set by hand (flags, typing) stay.
 */
export function followTaskDefaults<T extends object>(current: T, before: T, after: T): T {
  const next = { ...current };
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(current[key]) === JSON.stringify(before[key])) next[key] = after[key];
  }
  return next;
}

const BUNDLED_TRAIN = 'bundled:nli-tiny/train';
const BUNDLED_VALIDATION = 'bundled:nli-tiny/validation';
/** The set a held-out --validation-split is evaluated as. */
export const HELD_OUT_NAME = 'validation';

/**
 * The named validation sources a run evaluates: those given; with none, the bundled training split's own
 * validation split, and for any other training data none (never the bundled set for a user's data).
 */
export function validationSources(config: FinetuneConfig): Record<string, string> {
  if (Object.keys(config.validation).length > 0 || config.validationSplit !== undefined) return config.validation;
  return config.train === BUNDLED_TRAIN ? { validation: BUNDLED_VALIDATION } : {};
}

/** The names of every set a run evaluates (the held-out split included), before any data is read. */
export function validationNames(config: FinetuneConfig): string[] {
  const names = Object.keys(validationSources(config));
  if (config.validationSplit !== undefined) {
    if (names.includes(HELD_OUT_NAME)) throw usageError(`holds out the set named '${HELD_OUT_NAME}', and --validation already names one; rename that one (NAME=SOURCE)`, '--validation-split');
    names.push(HELD_OUT_NAME);
  }
  return names;
}

/** Field name → the flag that sets it, so validation errors can name the flag. */
export const CONFIG_FLAGS: Record<keyof FinetuneConfig, string> = {
  task: '--task',
  model: '--model',
  dtype: '--dtype',
  train: '--train',
  validation: '--validation',
  validationSplit: '--validation-split',
  labelNames: '--label-names',
  maxLength: '--max-length',
  batchSize: '--batch-size',
  extractBatchSize: '--extract-batch-size',
  lr: '--lr',
  epochs: '--epochs',
  seed: '--seed',
  head: '--head',
  mlpHidden: '--mlp-hidden',
  dropout: '--dropout',
  classWeights: '--class-weights',
  optimizer: '--optimizer',
  scheduler: '--scheduler',
  warmupRatio: '--warmup-ratio',
  weightDecay: '--weight-decay',
  maxGradNorm: '--max-grad-norm',
  patience: '--patience',
  pooling: '--pooling',
  standardize: '--standardize',
  device: '--device',
  tfBackend: '--tf-backend',
  outputDir: '--output-dir',
  maxTrainSamples: '--max-train-samples',
  maxEvalSamples: '--max-eval-samples',
  resume: '--resume',
  overwrite: '--overwrite-output-dir',
  offline: '--offline',
  lenient: '--lenient',
  unfreezeTop: '--unfreeze-top',
  unfreezeAtEpoch: '--unfreeze-at-epoch',
  backboneLrRatio: '--backbone-lr-ratio',
  groupByLength: '--group-by-length',
  compareFrozen: '--compare-frozen',
  cacheBudget: '--cache-budget',
  cacheDtype: '--cache-dtype',
  trainEngine: '--train-engine',
  saveSteps: '--save-steps',
  force: '--force',
  extractMissing: '--extract-missing',
};

const CHOICES: Partial<Record<keyof FinetuneConfig, readonly string[]>> = {
  dtype: MODEL_DTYPES,
  head: ['linear', 'mlp'],
  task: TASKS,
  pooling: ['auto', 'cls', 'mean', 'pooler'],
  device: ['auto', 'cpu', 'cuda', 'webgpu'],
  optimizer: ['adamw', 'adam', 'sgd'],
  scheduler: ['linear', 'cosine', 'constant'],
  cacheDtype: ['float16', 'float32'],
  trainEngine: TRAIN_ENGINES,
};

const POSITIVE_INTEGERS: (keyof FinetuneConfig)[] = ['maxLength', 'batchSize', 'extractBatchSize', 'epochs', 'maxTrainSamples', 'maxEvalSamples', 'saveSteps'];

/**
 * Parses and checks one field given as text (a flag value or what is typed in the setup screen).
 * Returns the typed value, or throws a usage error naming the flag.
 */
export function parseConfigField<K extends keyof FinetuneConfig>(field: K, text: string): FinetuneConfig[K] {
  const flag = CONFIG_FLAGS[field];
  const value = text.trim();
  const fail = (why: string): never => {
    throw usageError(`${why}, got '${text}'`, flag);
  };
  const choices = CHOICES[field];
  if (choices) {
    if (!choices.includes(value)) fail(`must be one of ${choices.join(', ')}`);
    return value as FinetuneConfig[K];
  }
  if (field === 'epochs' && value === 'auto') return value as FinetuneConfig[K];
  if (POSITIVE_INTEGERS.includes(field)) {
    const n = numberIn(value);
    if (!Number.isInteger(n) || n < 1) fail('must be a whole number >= 1');
    if (field === 'maxLength' && n < 4) fail('must be at least 4 (room for [CLS] and two [SEP])');
    return n as FinetuneConfig[K];
  }
  switch (field) {
    case 'unfreezeTop': {
      if (value === 'all') return value as FinetuneConfig[K];
      const n = numberIn(value);
      if (!Number.isInteger(n) || n < 0) fail("must be 'all' or a number of top layers >= 0 (0: frozen backbone)");
      return n as FinetuneConfig[K];
    }
    case 'backboneLrRatio': {
      const n = numberIn(value);
      if (!Number.isFinite(n) || n <= 0) fail('must be a number > 0');
      return n as FinetuneConfig[K];
    }
    case 'cacheBudget': {
      const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(value);
      if (!match) fail('must be a size such as 0, 512MB or 4GB');
      const units: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };
      return Math.round(Number(match![1]) * units[match![2]!.toUpperCase()]!) as FinetuneConfig[K];
    }
    case 'seed':
    case 'unfreezeAtEpoch':
    case 'patience': {
      const n = numberIn(value);
      if (!Number.isInteger(n) || n < 0) fail('must be a whole number >= 0');
      return n as FinetuneConfig[K];
    }
    case 'lr': {
      const n = numberIn(value);
      if (!Number.isFinite(n) || n <= 0 || n > 10) fail('must be a number in (0, 10]');
      return n as FinetuneConfig[K];
    }
    case 'validationSplit': {
      const n = numberIn(value);
      if (!Number.isFinite(n) || n <= 0 || n >= 1) fail('must be a number in (0, 1)');
      return n as FinetuneConfig[K];
    }
    case 'labelNames':
      return parseLabelNames(value) as FinetuneConfig[K];
    case 'dropout':
    case 'warmupRatio': {
      const n = numberIn(value);
      if (!Number.isFinite(n) || n < 0 || n >= 1) fail('must be a number in [0, 1)');
      return n as FinetuneConfig[K];
    }
    case 'weightDecay':
    case 'maxGradNorm': {
      const n = numberIn(value);
      if (!Number.isFinite(n) || n < 0) fail('must be a number >= 0');
      return n as FinetuneConfig[K];
    }
    case 'mlpHidden': {
      const sizes = value.split(',').map((s) => Number(s.trim()));
      if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1)) fail('must be comma-separated whole numbers, e.g. 256,128');
      return sizes as FinetuneConfig[K];
    }
    case 'classWeights': {
      if (value === 'balanced') return value as FinetuneConfig[K];
      const weights = value.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
      if (weights.length < 2 || weights.some((w) => !Number.isFinite(w) || w < 0)) fail("must be 'balanced' or two or more comma-separated numbers >= 0 (one per class)");
      return weights as FinetuneConfig[K];
    }
    case 'validation':
      return parseValidationSpecs([value]) as FinetuneConfig[K];
    case 'standardize':
    case 'resume':
    case 'overwrite':
    case 'offline':
    case 'lenient':
    case 'extractMissing':
    case 'compareFrozen':
    case 'groupByLength':
      if (!['true', 'false'].includes(value)) fail('must be true or false');
      return (value === 'true') as FinetuneConfig[K];
    default:
      if (value === '' && field !== 'tfBackend') fail('must not be empty');
      return value as FinetuneConfig[K];
  }
}

/** The number a flag's text spells; NaN for empty text (which Number() would take as 0). */
function numberIn(text: string): number {
  return text === '' ? NaN : Number(text);
}

/** `NAME=SOURCE` specs (repeatable --validation); a bare SOURCE is named `validation`. */
export function parseValidationSpecs(specs: string[]): Record<string, string> {
  const sets: Record<string, string> = {};
  for (const spec of specs) {
    // `=FILE` (a name left out, or a shell variable that expanded to nothing) is not a file called `=FILE`.
    if (spec.startsWith('=')) throw usageError(`the name before '=' is empty in '${spec}'; use NAME=SOURCE (e.g. dev=dev.tsv) or just SOURCE`, '--validation');
    const match = /^([A-Za-z][\w-]*)=(.*)$/.exec(spec);
    const [name, source] = match ? [match[1], match[2]] : ['validation', spec];
    if (!source.trim()) throw usageError(`needs NAME=SOURCE, got '${spec}'`, '--validation');
    // `train/<metric>` monitors the training metrics, so no validation set may take that name.
    if (name === 'train') throw usageError(`the name 'train' is reserved for the training metrics; choose another name`, '--validation');
    if (name in sets) throw usageError(`the name '${name}' is given twice`, '--validation');
    sets[name] = source;
  }
  return sets;
}
