import { readdir, rm, stat } from 'node:fs/promises';
import { dirname, resolve, join } from 'node:path';
import type { BackboneReference, FeatureExtractor, FeatureMatrix, Pooling } from '../core/index.ts';
import { interruptedError, usageError } from '../errors.ts';
import { extractWithCache } from '../features/cache.ts';
import { initTf, skippedBackendsNote } from '../heads/backend.ts';
import type { HeadConfig } from '../heads/config.ts';
import { Head } from '../heads/head.ts';
import { findCheckpointDir, loadCheckpoint } from '../checkpoint/load.ts';
import { BEST_DIR, LAST_DIR, RUN_CHECKPOINT_DIR } from '../checkpoint/manifest.ts';
import { checkpointFolder } from '../checkpoint/folder-store.ts';
import { recoverReplacedDir } from '../io/atomic.ts';
import { defaultTrainConfig, fit, evaluate, validateTrainConfig, type TrainConfig } from '../train/index.ts';
import type { Emit, Metrics, RunEvent, RunResults, TrainerControl } from '../train/events.ts';
import { resolveCheckpointMonitor } from '../train/config.ts';
import { readMonitor } from '../train/metrics.ts';
import { resolveEpochs, validationNames, type FinetuneConfig } from './config.ts';
import { loadRunData } from './run-data.ts';
import type { RunSplit } from './splits.ts';
import { fitStandardization, standardize, type Standardization } from '../features/standardize.ts';
import { RUN_CONFIG_FILE, writeRunConfig } from './run-config.ts';
import { writeRunOutputs, type SplitExtraction } from './outputs.ts';
import type { BackboneTrainingInfo, FinetuneOutcome } from './outcome.ts';
import { ortFeaturePool } from '../train/ort/feature-pool.ts';
import { prepareEncoder, unfreezeTopOf, type PreparedEncoder } from './unfreeze.ts';
import { featureSettings, loadExtractor } from './extractor.ts';
import { refuseMissingShards } from './sharded-features.ts';

export type { BackboneTrainingInfo, FinetuneOutcome } from './outcome.ts';
import { checkResume } from './resume-check.ts';
import { lockOutputDir } from './output-lock.ts';

export interface FinetuneIO {
  emit: Emit;
  control?: TrainerControl;
}

/** How often the extraction progress event fires at most: reporters redraw on their own timers anyway. */
const PROGRESS_INTERVAL_MS = 100;

/**
 * The scripted finetune (run_glue.py's job with a frozen backbone): load data, extract features once
 * (on-disk cache), train the head, evaluate every named set, write results, predictions and checkpoints.
 */
export async function runFinetune(requested: FinetuneConfig, io: FinetuneIO): Promise<FinetuneOutcome> {
  const outputDir = resolve(requested.outputDir);
  await checkOutputDir(outputDir);
  // Before anything in the folder is read or repaired: two runs there would swap each other's checkpoints.
  const lock = await lockOutputDir(outputDir);
  try {
    return await runInOutputDir(requested, io, outputDir);
  } finally {
    await lock.release();
  }
}

async function runInOutputDir(requested: FinetuneConfig, io: FinetuneIO, outputDir: string): Promise<FinetuneOutcome> {
  let config = requested;
  const checkpointDir = join(outputDir, RUN_CHECKPOINT_DIR);
  for (const sub of [BEST_DIR, LAST_DIR]) await recoverReplacedDir(join(checkpointDir, sub));
  if (!config.resume && !config.overwrite && findCheckpointDir(checkpointDir)) {
    throw usageError(`${outputDir} already holds a run; pass --resume to continue it, --overwrite-output-dir to replace it, or choose another --output-dir`, '--output-dir');
  }
  const tfRuntime = await initTf(config.tfBackend);
  const tfBackend = tfRuntime.backend;
  const evaluated = validationNames(config);
  if (config.resume) await checkResume(config, trainConfig(config, evaluated), outputDir, checkpointDir, tfBackend);

  const { train, validation, sources } = await loadRunData(config);
  const labelNames = train.labelNames;
  // The labels are known now: a setting that does not fit them (--class-weights) fails before extraction.
  validateTrainConfig(trainConfig(config, evaluated), labelNames.length, evaluated);
  if (config.compareFrozen && unfreezeTopOf(config) === null) throw usageError('needs --unfreeze-top K or all: it compares training the layers with the frozen head', '--compare-frozen');

  const extractor = await loadExtractor(config);
  // A TransferKit model as backbone applies its own pooling and max length; record (and cache by) those.
  const { pooling, maxLength } = featureSettings(config, extractor);
  config = { ...config, pooling, maxLength, epochs: resolveEpochs(config.epochs, train.inputs.length, config.batchSize) };
  let prepared: PreparedEncoder | null = null;
  try {
    const device = 'device' in extractor ? String((extractor as { device: string }).device) : 'cpu';
    const layers = (extractor as { config?: { numLayers?: number } }).config?.numLayers;
    io.emit({ type: 'run-start', config: describe(config, train, validation, sources, layers), device, tfBackend, labelNames });
    const backendNote = skippedBackendsNote(tfRuntime);
    if (backendNote) io.emit({ type: 'notice', message: backendNote });
    if (evaluated.length === 0) io.emit({ type: 'notice', message: 'no validation set: give --validation NAME=SOURCE, or --validation-split F to hold out a fraction of the training data' });

    const extraction: Record<string, SplitExtraction> = {};
    const top = unfreezeTopOf(config);
    prepared = top === null ? null : await prepareEncoder(extractor, top, { train, ...validation }, config, io);
    const sourceOf = (split: string, data: RunSplit) => (split === 'train' ? config.train : (sources[split] ?? data.source));
    const features = async (split: string, data: RunSplit): Promise<FeatureMatrix> => {
      if (prepared) return prepared.features[split]!;
      const result = await extractSplit(extractor, split, data, sourceOf(split, data), config, io);
      extraction[split] = result.info;
      return result.features;
    };
    const trainFeatures = await features('train', train);
    // Standardisation statistics come from the training set only; the checkpoint keeps them for predict.
    const stats: Standardization | undefined = config.standardize ? fitStandardization(trainFeatures) : undefined;
    const headInput = (m: FeatureMatrix) => (stats ? standardize(m, stats) : m);
    const trainSet = { features: headInput(trainFeatures), labels: requireLabels(train) };
    const validationSets: Record<string, { features: FeatureMatrix; labels: Int32Array }> = {};
    for (const [name, data] of Object.entries(validation)) validationSets[name] = { features: headInput(await features(name, data)), labels: requireLabels(data) };

    if (config.compareFrozen && config.resume) io.emit({ type: 'notice', message: 'a resumed run does not train the frozen-head baseline again (--compare-frozen); the first run printed it' });
    const frozenBaseline = prepared && config.compareFrozen && !config.resume ? await trainFrozenBaseline(config, labelNames, { train, ...validation }, (split, data) => extractSplit(extractor, split, data, sourceOf(split, data), config, io), io) : undefined;

    // Only now, with the data loaded and the features extracted, is the previous run replaced: a mistyped
    // flag or file (or Ctrl-C during extraction) leaves it as it was.
    if (config.overwrite && !config.resume) await clearRun(outputDir);
    if (!config.resume) await writeRunConfig(outputDir, config);
    const fitted = await fit({
      train: trainSet,
      validation: validationSets,
      labelNames,
      head: headConfig(config),
      config: trainConfig(config, Object.keys(validation)),
      emit: io.emit,
      control: io.control,
      checkpoints: checkpointFolder(checkpointDir, {
        backbone: reference(extractor),
        pooling,
        maxLength: config.task === 'image-classification' ? null : config.maxLength,
        data: { train: config.train, ...sources },
        ...(stats ? { standardize: stats } : {}),
      }),
      resume: config.resume,
      tfBackend: config.tfBackend,
      headEngine: config.trainEngine,
      ...(prepared ? { encoder: prepared.training } : {}),
      force: config.force,
    });

    // Report the model that was kept (best checkpoint), so `eval --checkpoint` reproduces these numbers.
    const checkpoint = fitted.bestCheckpoint ?? fitted.lastCheckpoint;
    const kept = checkpoint ? await loadCheckpoint(checkpoint) : null;
    const reported = kept ? Head.fromWeights(kept.manifest.head, kept.weights) : fitted.head;
    const evalMetrics: Record<string, Metrics> = {};
    const probabilities: Record<string, Float32Array> = {};
    try {
      // The kept checkpoint's backbone layers, when they trained, give the features it is evaluated on:
      // through ONNX Runtime's forward graph where it builds (as `eval --checkpoint` computes them), else the
      // TF.js top, which --train-engine tfjs also keeps.
      if (prepared && kept) prepared.training.split.top.assign(kept.backbone);
      const ortPool = prepared && config.trainEngine !== 'tfjs' ? await ortFeaturePool(prepared.training.split, pooling) : null;
      try {
        for (const [name, set] of Object.entries(validationSets)) {
          const features = prepared ? await prepared.training.split.features(prepared.training.validation[name]!, pooling, undefined, ortPool?.pool) : set.features;
          probabilities[name] = new Float32Array(set.features.rows * labelNames.length);
          evalMetrics[name] = await evaluate(reported, features, set.labels, labelNames, undefined, probabilities[name]);
        }
      } finally {
        await ortPool?.dispose();
      }
    } finally {
      if (reported !== fitted.head) reported.dispose();
      fitted.head.dispose();
    }
    const outcome: FinetuneOutcome = {
      ...fitted,
      eval: evalMetrics,
      outputDir,
      checkpointDir,
      ...(checkpoint ? { checkpoint } : {}),
      resultsFile: join(outputDir, 'results.json'),
      device,
      tfBackend: fitted.tfBackend,
      ...(prepared
        ? {
            backboneTraining: {
              unfreeze_top: prepared.training.split.unfreezeTop,
              layers: prepared.training.split.describeTrained(),
              unfreeze_at_epoch: config.unfreezeAtEpoch,
              lr_ratio: config.backboneLrRatio,
              group_by_length: config.groupByLength ?? false,
              // The layers' engine (fit's choice); the head-only epochs before --unfreeze-at-epoch are head_engine's.
              engine: fitted.trainEngine ?? `tfjs ${fitted.tfBackend}`,
              cache_bytes: prepared.cachedBytes,
              cache_dtype: config.cacheDtype,
              recomputed: prepared.recomputed,
              ...(fitted.estimate
                ? {
                    estimate: {
                      seconds_per_epoch: fitted.estimate.secondsPerEpoch,
                      seconds_per_step: fitted.estimate.secondsPerStep,
                      steps_per_epoch: fitted.estimate.stepsPerEpoch,
                      timed_steps: fitted.estimate.timedSteps,
                      suggestion: fitted.estimate.suggestion,
                    },
                  }
                : {}),
            },
          }
        : {}),
      ...(frozenBaseline ? { frozenBaseline } : {}),
    };
    delete (outcome as Partial<typeof fitted>).head;
    // results.json records where every evaluated set came from (the held-out one too).
    await writeRunOutputs({ outcome, config: { ...config, validation: sources }, labelNames, backbone: reference(extractor), extraction, validation, probabilities, trainRows: train.inputs.length, standardize: config.standardize });
    return outcome;
  } finally {
    await prepared?.training.split.dispose();
    await extractor.dispose();
  }
}

/**
 * Checks now, without creating anything, that the output folder can be one: a path that is (or lies
 * below) a file would otherwise fail at the first checkpoint save, after extraction and an epoch.
 */
async function checkOutputDir(outputDir: string): Promise<void> {
  for (let path = outputDir; ; path = dirname(path)) {
    const info = await stat(path).catch(() => null);
    if (info) {
      if (!info.isDirectory()) throw usageError(`${path === outputDir ? outputDir : `${path} (above ${outputDir})`} is a file, not a folder`, '--output-dir');
      return;
    }
    if (dirname(path) === path) return;
  }
}

/**
 * --compare-frozen: the head alone, trained exactly as this run trains it (same head, settings, seed and
 * epochs) but on the frozen backbone's features (the on-disk feature cache), so the gain of training the
 * layers is measured in the same run. Its own progress is not reported (a notice says what it is), and
 * nothing of it is saved; its metrics are those of the epoch the checkpoint rule would keep (best by the
 * run's monitor), as the trained run's are its kept checkpoint's.
 */
async function trainFrozenBaseline(
  config: FinetuneConfig,
  labelNames: string[],
  splits: Record<string, RunSplit>,
  extract: (split: string, data: RunSplit) => Promise<{ features: FeatureMatrix }>,
  io: FinetuneIO,
): Promise<NonNullable<FinetuneOutcome['frozenBaseline']>> {
  const sets: Record<string, { features: FeatureMatrix; labels: Int32Array }> = {};
  for (const [name, data] of Object.entries(splits)) sets[name] = { features: (await extract(name, data)).features, labels: requireLabels(data) };
  const stats = config.standardize ? fitStandardization(sets.train!.features) : undefined;
  const { train, ...validation } = Object.fromEntries(Object.entries(sets).map(([name, set]) => [name, { ...set, features: stats ? standardize(set.features, stats) : set.features }]));
  io.emit({ type: 'notice', message: 'training the frozen-head baseline first (the same head and settings on the frozen backbone\'s features) to compare with' });
  const training = trainConfig({ ...config, unfreezeTop: 0 }, Object.keys(validation));
  // The epoch the run's own checkpoint rule would keep (its monitor), as the trained run reports its kept checkpoint.
  const { monitor, mode } = resolveCheckpointMonitor(training, Object.keys(validation));
  let kept: { eval: Record<string, Metrics>; train: { loss: number; accuracy: number }; epoch: number } | null = null;
  const track = (event: RunEvent) => {
    if (event.type !== 'epoch-end') return;
    const value = readMonitor(monitor, event.eval, event.train);
    const previous = kept ? readMonitor(monitor, kept.eval, kept.train) : NaN;
    if (!kept || (mode === 'max' ? value > previous : value < previous)) kept = { eval: event.eval, train: event.train, epoch: event.epoch };
  };
  const fitted = await fit({ train: train!, validation, labelNames, head: headConfig(config), config: training, emit: track, control: io.control, tfBackend: config.tfBackend, headEngine: config.trainEngine });
  fitted.head.dispose();
  const best = (kept as typeof kept) ?? { eval: fitted.eval, epoch: fitted.train.epochs };
  const summary = Object.entries(best.eval).map(([name, m]) => `${name} accuracy ${(m.accuracy * 100).toFixed(2)}%`).join(', ');
  io.emit({ type: 'notice', message: `frozen-head baseline: ${summary} at epoch ${best.epoch} of ${fitted.train.epochs}, its best by ${monitor} (${fitted.train.seconds.toFixed(1)} s)` });
  return { eval: best.eval, epoch: best.epoch, seconds: fitted.train.seconds };
}

/** --overwrite-output-dir: what a previous run left (checkpoints, results, predictions); nothing else. */
async function clearRun(outputDir: string): Promise<void> {
  await rm(join(outputDir, RUN_CHECKPOINT_DIR), { recursive: true, force: true });
  await rm(join(outputDir, 'results.json'), { force: true });
  await rm(join(outputDir, RUN_CONFIG_FILE), { force: true });
  const entries = await readdir(outputDir).catch(() => [] as string[]);
  for (const entry of entries) if (/^predictions-.+\.jsonl$/.test(entry)) await rm(join(outputDir, entry), { force: true });
}

function requireLabels(data: RunSplit): Int32Array {
  if (!data.labels) throw usageError(`${data.source} has no label column; training and evaluation need labels`);
  return data.labels;
}

function reference(extractor: FeatureExtractor<unknown> & { reference?: BackboneReference }): BackboneReference {
  return extractor.reference ?? { model: extractor.identity, identity: extractor.identity, dim: extractor.dim };
}

async function extractSplit(extractor: FeatureExtractor<unknown>, split: string, data: RunSplit, source: string, config: FinetuneConfig, io: FinetuneIO) {
  const inputs = data.inputs;
  const startedAt = performance.now();
  let lastEmit = 0;
  let firstDone = -1;
  const result = await extractWithCache(extractor, inputs, {
    pooling: config.pooling as Pooling,
    maxLength: config.maxLength,
    batchSize: config.extractBatchSize,
    datasetHash: data.contentHash,
    beforeCompute: refuseMissingShards(split, source, config.model, config.extractMissing),
    onProgress: (done, total) => {
      // Ctrl-C / `q` during extraction: the cache keeps every finished chunk, so stopping here loses little.
      if (io.control?.stopRequested) throw interruptedError(`stopped during feature extraction of '${split}'; finished chunks are cached, so the next run continues from there`);
      if (firstDone < 0) firstDone = done;
      // Everything came from the cache: the 'cached' event below says so (not a 0 pairs/s progress line).
      if (firstDone === total) return;
      const now = performance.now();
      if (now - lastEmit < PROGRESS_INTERVAL_MS && done < total) return;
      lastEmit = now;
      const seconds = (now - startedAt) / 1000;
      io.emit({ type: 'extract-progress', split, done, total, perSecond: seconds > 0 ? (done - firstDone) / seconds : 0, cached: false });
    },
  });
  const seconds = (performance.now() - startedAt) / 1000;
  if (result.cached) io.emit({ type: 'extract-progress', split, done: inputs.length, total: inputs.length, perSecond: 0, cached: true });
  io.emit({ type: 'extract-end', split, total: inputs.length, seconds, cached: result.cached });
  const info: SplitExtraction = { rows: inputs.length, seconds, cached: result.cached, computedRows: result.computedRows, ...(result.rebuilt ? { rebuilt: result.rebuilt } : {}) };
  return { features: result.features, info };
}

export function headConfig(config: FinetuneConfig): HeadConfig {
  return config.head === 'mlp' ? { type: 'mlp', hidden: config.mlpHidden, activation: 'relu', dropout: config.dropout } : { type: 'linear' };
}

/** Every checkpoint records this; a resumed run must be given the same values to match. */
export function trainConfig(config: FinetuneConfig, validationNames: string[]): TrainConfig {
  const monitorSet = validationNames[0] ?? 'train';
  return {
    ...defaultTrainConfig(),
    // runFinetune resolves 'auto' from the training set's size before it gets here.
    epochs: config.epochs === 'auto' ? resolveEpochs('auto', 0, 1) : config.epochs,
    batchSize: config.batchSize,
    optimizer: config.optimizer,
    learningRate: config.lr,
    weightDecay: config.weightDecay,
    maxGradNorm: config.maxGradNorm,
    schedule: config.scheduler,
    warmupRatio: config.warmupRatio,
    seed: config.seed,
    unfreezeTop: unfreezeTopOf(config),
    unfreezeAtEpoch: config.unfreezeAtEpoch ?? 0,
    backboneLrRatio: config.backboneLrRatio ?? 0.1,
    // Recorded only where it acts (layer-training epochs), so frozen-backbone checkpoints resume as before.
    groupByLength: unfreezeTopOf(config) !== null && (config.groupByLength ?? false),
    classWeights: config.classWeights ?? null,
    earlyStopping: config.patience > 0 ? { monitor: `${monitorSet}/${monitorSet === 'train' ? 'loss' : 'accuracy'}`, patience: config.patience, minDelta: 0 } : null,
    saveEverySteps: config.saveSteps,
  };
}

function describe(config: FinetuneConfig, train: RunSplit, validation: Record<string, RunSplit>, sources: Record<string, string>, backboneLayers?: number): Record<string, unknown> {
  return {
    ...(config.task === 'text-classification' ? {} : { task: config.task }),
    model: config.model,
    train: `${config.train} (${train.inputs.length})`,
    validation: Object.fromEntries(Object.entries(validation).map(([name, d]) => [name, `${sources[name]} (${d.inputs.length})`])),
    head: config.head,
    pooling: config.pooling,
    ...(config.task === 'text-classification' ? { maxLength: config.maxLength } : {}),
    ...(config.standardize ? { standardize: true } : {}),
    epochs: config.epochs,
    batchSize: config.batchSize,
    lr: config.lr,
    seed: config.seed,
    ...(config.classWeights ? { classWeights: config.classWeights } : {}),
    // What the live screen needs to say which layers train, and from when.
    ...(unfreezeTopOf(config) !== null ? { unfreezeTop: config.unfreezeTop, unfreezeAtEpoch: config.unfreezeAtEpoch, backboneLrRatio: config.backboneLrRatio, groupByLength: config.groupByLength ?? false, ...(backboneLayers ? { backboneLayers } : {}), trainEngine: config.trainEngine } : {}),
    outputDir: config.outputDir,
  };
}
