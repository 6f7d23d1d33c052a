import * as tf from '@tensorflow/tfjs';
import { usageError } from '../errors.ts';
import { Rng, type FeatureMatrix, type Pooling } from '../core/index.ts';
import { initTf, TF_BACKENDS } from '../heads/backend.ts';
import { validateHeadConfig, type HeadConfig, type HeadSpec } from '../heads/config.ts';
import { Head } from '../heads/head.ts';
import { balancedClassWeights } from './batches.ts';
import { BACKBONE_OPTIMIZER_PREFIX, type CheckpointSlot, type CheckpointStore } from './checkpoints.ts';
import { defaultTrainConfig, resolveCheckpointMonitor, validateTrainConfig, type TrainConfig } from './config.ts';
import { initialMonitorState, observe } from './early-stopping.ts';
import { evaluate } from './evaluate.ts';
import { estimateEpoch, StepTimer, type EpochEstimate } from './estimate.ts';
import type { Emit, Metrics, RunResults, TrainerControl } from './events.ts';
import { defaultMode, readMonitor } from './metrics.ts';
import { Optimizer } from './optimizers.ts';
import { lrMultiplier, warmupStepsFor } from './schedule.ts';
import { lengthGroupedOrder } from './length-grouped.ts';
import { trainDataFingerprint, type TrainerState } from './state.ts';
import type { LowerInputs, SplitEncoder } from '../backbones/split/split-encoder.ts';
import type { NamedVariable } from '../heads/head.ts';
import { checkResumeBackend, checkResumeTraining } from './resume-check.ts';
import type { EngineStepOptions, HeadStepEngine, TrainEngineChoice, TrainingEngine } from './engine.ts';
import { chooseTrainingEngine } from './engine-choice.ts';
import { chooseHeadStepEngine, type HeadGradientsBy } from './head-steps.ts';

export interface LabelledFeatures {
  features: FeatureMatrix;
  labels: Int32Array;
}

export interface FitOptions {
  train: LabelledFeatures;
  /** Named validation sets, evaluated every epoch (e.g. { matched, mismatched }). */
  validation: Record<string, LabelledFeatures>;
  labelNames: string[];
  head: HeadConfig;
  config: TrainConfig;
  emit?: Emit;
  control?: TrainerControl;
  /** Where the best and last checkpoints go (checkpointFolder); without it nothing is saved and resume is impossible. */
  checkpoints?: CheckpointStore;
  /** Continue from the store's last checkpoint (weights, optimizer, epoch, step, generator). */
  resume?: boolean;
  /** TF.js backend name (else TRANSFERKIT_TF_BACKEND, else the best available). */
  tfBackend?: string;
  /** Resume even though the checkpoint was trained on another TF.js backend (a notice is emitted). */
  force?: boolean;
  /** Go on training an existing head instead of a fresh one (refused if it is frozen). */
  initialHead?: Head;
  /**
   * Train the top of the backbone too (config.unfreezeTop): the split encoder and each split's inputs
   * to its TF.js top. `train.features` / validation features must be the pooled features of the same
   * encoder before training (the head trains on them alone until config.unfreezeAtEpoch).
   */
  encoder?: EncoderTraining;
  /**
   * What computes the steps that train the head alone (default 'auto': ONNX Runtime's head step graph,
   * measured fastest: train/ort/head-engine.ts; 'tfjs': the TF.js reference).
   */
  headEngine?: TrainEngineChoice;
  /**
   * How TF.js head-only steps (headEngine 'tfjs') get their gradients: the head's hand-written backward
   * pass (default, measured faster: train/step.ts headGradients) or TF.js autodiff (the reference).
   */
  headGradients?: HeadGradientsBy;
}

export interface EncoderTraining {
  split: SplitEncoder;
  pooling: Pooling;
  train: LowerInputs;
  validation: Record<string, LowerInputs>;
  /** What computes the layers' training steps (default 'auto': ONNX Runtime where its graph builds). */
  engine?: TrainEngineChoice;
}

export interface FitResult extends RunResults {
  /** The trained head (final weights); the caller disposes it. */
  head: Head;
  tfBackend: string;
  /** The engine that trained the backbone layers ('ort cpu', 'tfjs wasm'); absent when none trained. */
  trainEngine?: string;
  /** The engine of the head-only steps ('ort cpu', 'tfjs wasm'); absent when none ran in this process. */
  headEngine?: string;
}

/**
 * How often the step loop yields to the event loop (keys, signals, the UI's timers). Not every step: a
 * head-only step takes ~0.1 ms, and a setImmediate round trip ~10 µs of CPU.
 */
const YIELD_EVERY_MS = 10;

/**
 * Trains a head on feature matrices with Lightning / HF Trainer semantics. Emits events and never
 * prints; polls `control` between steps; yields to the event loop at least every YIELD_EVERY_MS.
 */
export async function fit(options: FitOptions): Promise<FitResult> {
  const { train, validation, labelNames, config } = options;
  const emit: Emit = options.emit ?? (() => {});
  const validationNames = Object.keys(validation);
  checkInputs(options);
  validateTrainConfig(config, labelNames.length, validationNames);
  const { backend } = await initTf(options.tfBackend);
  const spec: HeadSpec = { ...validateHeadConfig(options.head), inputDim: train.features.dim, numClasses: labelNames.length };
  const rng = new Rng(config.seed);
  const stepsPerEpoch = Math.ceil(train.features.rows / config.batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  const warmup = warmupStepsFor(totalSteps, config.warmupSteps, config.warmupRatio);
  const best = resolveCheckpointMonitor(config, validationNames);

  if (options.initialHead?.frozen) throw usageError('this model is frozen; unfreeze it (or load it again) before training it');
  if (options.initialHead && JSON.stringify(options.initialHead.spec) !== JSON.stringify(spec)) {
    throw usageError(`the given head (${JSON.stringify(options.initialHead.spec)}) does not match this run (${JSON.stringify(spec)})`);
  }
  const optimizerConfig = { kind: config.optimizer, weightDecay: config.weightDecay, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon, momentum: config.momentum };
  let head: Head;
  let optimizer: Optimizer;
  let state: TrainerState;
  let lastEval: Record<string, Metrics> = {};
  let lastTrain: { loss: number; accuracy: number } = { loss: NaN, accuracy: NaN };
  const encoder = options.encoder;
  if (encoder && (config.unfreezeTop ?? null) === null) throw usageError('an encoder to train was given but unfreezeTop is not set');
  // Backbone variables carry a prefix in the optimizer: initializer names could collide with head names.
  const encoderVariables: NamedVariable[] = encoder
    ? encoder.split.top.variables().map((v) => ({ ...v, name: `${BACKBONE_OPTIMIZER_PREFIX}${v.name}`, lrScale: config.backboneLrRatio ?? 0.1 }))
    : [];
  const unfreezeAt = config.unfreezeAtEpoch ?? 0;
  if (options.resume) {
    const restored = await restore(options, spec, config, encoderVariables, backend, emit);
    ({ head, optimizer, state } = restored);
    lastEval = restored.eval;
    lastTrain = restored.train;
  } else {
    head = options.initialHead ?? Head.create(spec, rng.derive('init'));
    optimizer = new Optimizer(optimizerConfig, [...head.variables(), ...encoderVariables]);
    state = {
      epoch: 0,
      stepInEpoch: 0,
      globalStep: 0,
      rngState: rng.state,
      epochLossSum: 0,
      epochCorrect: 0,
      epochSeen: 0,
      earlyStopping: initialMonitorState(),
      stoppedEarly: false,
      best: initialMonitorState(),
      elapsedSeconds: 0,
      trainData: trainDataFingerprint(train.features, train.labels),
    };
  }

  const classWeightValues = config.classWeights === 'balanced' ? balancedClassWeights(train.labels, labelNames.length) : config.classWeights;
  const classWeights = classWeightValues ? tf.tensor1d(classWeightValues) : null;
  const classWeightArray = classWeightValues ? Float32Array.from(classWeightValues) : null;
  // Chosen at the first step that trains the layers; it holds their weights until flushed.
  let engine: TrainingEngine | null = null;
  // Chosen at the first head-only step; it may hold the head's weights until flushed, and hands them to
  // the layers' engine (flushed, then dropped) when the layers start training.
  let headSteps: HeadStepEngine | null = null;
  let headEngineName: string | undefined;
  const flushEngines = async () => {
    await headSteps?.flush();
    await engine?.flush();
  };
  const startedAt = performance.now();
  const secondsSoFar = () => state.elapsedSeconds + (performance.now() - startedAt) / 1000;
  let examplesThisProcess = 0;
  let lastYield = performance.now();
  const stepTimer = new StepTimer();
  let estimate: EpochEstimate | undefined;
  let interrupted = false;
  let bestCheckpoint = options.resume ? options.checkpoints?.existing('best') : undefined;
  let lastCheckpoint = options.resume ? options.checkpoints?.existing('last') : undefined;

  const save = async (slot: CheckpointSlot, reason: 'best' | 'last' | 'manual' | 'interrupt', withResume: boolean) => {
    if (!options.checkpoints) return undefined;
    await flushEngines();
    const path = await options.checkpoints.save(slot, {
      head,
      labelNames,
      training: config,
      metrics: { eval: lastEval, train: Number.isNaN(lastTrain.loss) ? null : lastTrain },
      epoch: state.epoch,
      step: state.globalStep,
      tfBackend: backend,
      resume: withResume ? { optimizer: await optimizer.exportState(), trainer: { ...state, elapsedSeconds: secondsSoFar() } } : undefined,
      backbone: encoder ? await encoder.split.top.readWeights() : undefined,
    });
    emit({ type: 'checkpoint', path, reason, epoch: state.epoch, step: state.globalStep });
    return path;
  };
  // Once the backbone layers have trained, the validation features are recomputed through them.
  const encoderTouched = () => encoder !== undefined && state.globalStep > stepsPerEpoch * unfreezeAt;
  const evaluateAll = async () => {
    await flushEngines();
    const out: Record<string, Metrics> = {};
    for (const name of validationNames) {
      const pool = engine?.pooled?.bind(engine);
      const features = encoderTouched() ? await encoder!.split.features(encoder!.validation[name]!, encoder!.pooling, config.evalBatchSize, pool) : validation[name].features;
      out[name] = await evaluate(head, features, validation[name].labels, labelNames, config.evalBatchSize);
    }
    return out;
  };
  /**
   * Handles pause / save / eval / stop requests; returns true when the run must stop. While paused it
   * keeps serving save and eval requests, so those keys work without resuming first.
   */
  const serviceControl = async (): Promise<boolean> => {
    const control = options.control;
    if (!control) return false;
    let paused = false;
    for (;;) {
      const pauseNow = control.paused && !control.stopRequested;
      if (pauseNow !== paused) emit({ type: 'paused', paused: (paused = pauseNow) });
      if (control.stopRequested) {
        lastCheckpoint = (await save('last', 'interrupt', true)) ?? lastCheckpoint;
        return true;
      }
      if (control.saveRequested) {
        control.saveRequested = false;
        lastCheckpoint = (await save('last', 'manual', true)) ?? lastCheckpoint;
      }
      if (control.evalRequested) {
        control.evalRequested = false;
        emit({ type: 'evaluation', epoch: state.epoch + 1, step: state.globalStep, eval: await evaluateAll(), reason: 'manual' });
      }
      if (!control.paused) return false;
      // A request that came in during the save or evaluation above is served before waiting again.
      if (!(control.stopRequested || control.saveRequested || control.evalRequested)) await control.nextRequest();
    }
  };

  try {
    while (state.epoch < config.epochs && !state.stoppedEarly && !interrupted) {
      const epoch = state.epoch;
      const trainsEncoder = encoder !== undefined && epoch >= unfreezeAt;
      const shuffle = rng.derive('shuffle', epoch);
      const order = trainsEncoder && config.groupByLength ? lengthGroupedOrder(encoder.train.encoded.map((e) => e.ids.length), config.batchSize, shuffle) : shuffle.permutation(train.features.rows);
      const epochStartedAt = performance.now();
      let epochExamples = 0;
      emit({ type: 'epoch-start', epoch: epoch + 1, epochs: config.epochs, steps: stepsPerEpoch, ...(encoder ? { backboneTraining: trainsEncoder ? encoder.split.describeTrained() : null } : {}) });
      while (state.stepInEpoch < stepsPerEpoch) {
        if (await serviceControl()) {
          interrupted = true;
          break;
        }
        const start = state.stepInEpoch * config.batchSize;
        const end = Math.min(train.features.rows, start + config.batchSize);
        const lr = config.learningRate * lrMultiplier(config.schedule, state.globalStep, warmup, totalSteps);
        const dropoutRng = rng.derive('dropout', state.globalStep);
        const stepOptions: EngineStepOptions = { lr, maxGradNorm: config.maxGradNorm, classWeights: classWeightArray, classWeightsTensor: classWeights };
        let batch: { rows: number };
        let loss: number;
        let correct: number;
        const stepStartedAt = performance.now();
        const graphsBefore = engine?.graphsBuilt?.() ?? 0;
        if (trainsEncoder) {
          if (headSteps) {
            await headSteps.flush();
            await headSteps.dispose();
            headSteps = null;
          }
          const indices = order.subarray(start, end);
          const labels = Int32Array.from(indices, (i) => train.labels[i]!);
          batch = { rows: labels.length };
          engine ??= await chooseTrainingEngine({
            choice: encoder.engine ?? 'auto',
            split: encoder.split,
            head,
            spec,
            pooling: encoder.pooling,
            params: [...head.variables(), ...encoderVariables],
            optimizer,
            tfBackend: backend,
            batchSize: config.batchSize,
            emit,
          });
          const prepared = await encoder.split.prepare(encoder.train, indices, engine.lengthGroups);
          ({ loss, correct } = await engine.step(prepared, labels, dropoutRng, stepOptions));
        } else {
          if (!headSteps) {
            headSteps = await chooseHeadStepEngine({ choice: options.headEngine ?? 'auto', gradientsBy: options.headGradients ?? 'hand-written', head, spec, optimizer, tfBackend: backend, batchSize: config.batchSize, emit });
            headEngineName = headSteps.name;
          }
          batch = { rows: end - start };
          ({ loss, correct } = await headSteps.step(train, order, start, end, dropoutRng, stepOptions));
        }
        state.globalStep++;
        state.stepInEpoch++;
        if (trainsEncoder && !estimate && stepTimer.record((performance.now() - stepStartedAt) / 1000, state.stepInEpoch === stepsPerEpoch, (engine?.graphsBuilt?.() ?? 0) > graphsBefore)) {
          const split = encoder.split;
          estimate = estimateEpoch({ timer: stepTimer, stepsPerEpoch, layers: split.describeTrained(), engine: engine?.name.startsWith('ort') ? engine.name : backend, trainedLayers: split.trainedLayers, engines: TF_BACKENDS });
          emit({ type: 'estimate', epoch: epoch + 1, ...estimate });
        }
        state.epochLossSum += loss * batch.rows;
        state.epochCorrect += correct;
        state.epochSeen += batch.rows;
        epochExamples += batch.rows;
        examplesThisProcess += batch.rows;
        const seconds = (performance.now() - epochStartedAt) / 1000;
        emit({ type: 'step', epoch: epoch + 1, step: state.stepInEpoch, steps: stepsPerEpoch, loss, lr, perSecond: seconds > 0 ? epochExamples / seconds : 0 });
        if (config.saveEverySteps > 0 && config.saveLast && state.globalStep % config.saveEverySteps === 0 && state.stepInEpoch < stepsPerEpoch) {
          lastCheckpoint = (await save('last', 'last', true)) ?? lastCheckpoint;
        }
        if (performance.now() - lastYield >= YIELD_EVERY_MS) {
          await new Promise(setImmediate);
          lastYield = performance.now();
        }
      }
      if (interrupted) break;

      lastTrain = { loss: state.epochLossSum / Math.max(1, state.epochSeen), accuracy: state.epochCorrect / Math.max(1, state.epochSeen) };
      lastEval = await evaluateAll();
      state = { ...state, epoch: epoch + 1, stepInEpoch: 0, epochLossSum: 0, epochCorrect: 0, epochSeen: 0 };
      if (config.earlyStopping) {
        const es = config.earlyStopping;
        const mode = es.mode ?? defaultMode(es.monitor);
        observe(state.earlyStopping, readMonitor(es.monitor, lastEval, lastTrain), mode, es.minDelta);
        if (state.earlyStopping.wait >= es.patience && state.epoch < config.epochs) state.stoppedEarly = true;
      }
      if (observe(state.best, readMonitor(best.monitor, lastEval, lastTrain), best.mode) && config.saveBest) {
        bestCheckpoint = (await save('best', 'best', false)) ?? bestCheckpoint;
      }
      if (config.saveLast) lastCheckpoint = (await save('last', 'last', true)) ?? lastCheckpoint;
      emit({ type: 'epoch-end', epoch: epoch + 1, epochs: config.epochs, train: lastTrain, eval: lastEval, seconds: (performance.now() - epochStartedAt) / 1000 });
      if (state.stoppedEarly && config.earlyStopping) {
        emit({ type: 'early-stop', epoch: epoch + 1, monitor: config.earlyStopping.monitor, best: state.earlyStopping.best ?? NaN });
      }
    }
    await flushEngines();
  } catch (error) {
    if (head !== options.initialHead) head.dispose();
    throw error;
  } finally {
    classWeights?.dispose();
    optimizer.dispose();
    await headSteps?.dispose();
    await engine?.dispose();
  }

  const seconds = secondsSoFar();
  const results: RunResults = {
    eval: lastEval,
    train: {
      loss: lastTrain.loss,
      accuracy: lastTrain.accuracy,
      epochs: state.epoch,
      steps: state.globalStep,
      seconds,
      examplesPerSecond: examplesThisProcess / Math.max(1e-9, (performance.now() - startedAt) / 1000),
    },
    stoppedEarly: state.stoppedEarly,
    interrupted,
    ...(bestCheckpoint ? { bestCheckpoint } : {}),
    ...(lastCheckpoint ? { lastCheckpoint } : {}),
    ...(estimate ? { estimate } : {}),
  };
  emit({ type: 'run-end', results });
  return { ...results, head, tfBackend: backend, ...(engine ? { trainEngine: engine.name } : {}), ...(headEngineName ? { headEngine: headEngineName } : {}) };
}

function checkInputs({ train, validation, labelNames }: FitOptions): void {
  if (labelNames.length < 2) throw usageError(`need at least two labels to train a classifier; got ${labelNames.length}`);
  const check = (name: string, set: LabelledFeatures, dim: number) => {
    const { features, labels } = set;
    if (features.rows !== labels.length) throw usageError(`${name}: ${features.rows} feature rows but ${labels.length} labels`);
    if (features.data.length !== features.rows * features.dim) throw usageError(`${name}: feature matrix holds ${features.data.length} values, not ${features.rows} x ${features.dim}`);
    if (features.dim !== dim) throw usageError(`${name}: features are ${features.dim}-dim, training features are ${dim}-dim`);
    for (const label of labels) {
      if (!(label >= 0 && label < labelNames.length)) throw usageError(`${name}: label index ${label} is outside 0..${labelNames.length - 1}`);
    }
  };
  if (train.features.rows === 0) throw usageError('the training set is empty');
  // `train/<metric>` monitors the training metrics; a validation set may not take that name.
  if ('train' in validation) throw usageError(`a validation set cannot be named 'train' (reserved for training metrics)`);
  check('train', train, train.features.dim);
  for (const [name, set] of Object.entries(validation)) check(name, set, train.features.dim);
}

async function restore(options: FitOptions, spec: HeadSpec, config: TrainConfig, encoderVariables: NamedVariable[], backend: string, emit: Emit) {
  if (!options.checkpoints) throw usageError('--resume needs a checkpoint directory', '--resume');
  const saved = await options.checkpoints.loadLast();
  if (JSON.stringify(saved.head) !== JSON.stringify(spec)) throw usageError(`cannot resume: the checkpoint's head (${JSON.stringify(saved.head)}) differs from this run's (${JSON.stringify(spec)})`, '--resume');
  if (JSON.stringify(saved.labelNames) !== JSON.stringify(options.labelNames)) throw usageError(`cannot resume: the checkpoint's labels (${saved.labelNames.join(', ')}) differ from this run's (${options.labelNames.join(', ')})`, '--resume');
  checkResumeTraining(saved.training, config);
  const backendNotice = checkResumeBackend(saved.tfBackend, backend, options.force === true);
  if (backendNotice) emit({ type: 'notice', message: backendNotice });
  if (JSON.stringify(saved.trainer.rngState) !== JSON.stringify(new Rng(config.seed).state)) throw usageError('cannot resume: the generator state does not match the seed', '--resume');
  const before = saved.trainer.trainData;
  const now = trainDataFingerprint(options.train.features, options.train.labels);
  if (before && before.sha256 !== now.sha256) {
    throw usageError(`cannot resume: the training data differs from the interrupted run (it had ${before.rows} rows, this run has ${now.rows} rows)`, '--resume');
  }
  const head = Head.fromWeights(spec, saved.weights);
  for (const { name, variable } of encoderVariables) {
    const weights = saved.backbone.get(name.slice(BACKBONE_OPTIMIZER_PREFIX.length));
    if (!weights || weights.length !== variable.size) throw usageError(`cannot resume: the checkpoint has no trained backbone weight '${name.slice(BACKBONE_OPTIMIZER_PREFIX.length)}'`, '--resume');
    tf.tidy(() => variable.assign(tf.tensor(weights, variable.shape)));
  }
  const optimizer = new Optimizer(
    { kind: config.optimizer, weightDecay: config.weightDecay, beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon, momentum: config.momentum },
    [...head.variables(), ...encoderVariables],
  );
  optimizer.importState(saved.optimizer);
  return {
    head,
    optimizer,
    state: structuredClone(saved.trainer),
    eval: saved.metrics?.eval ?? {},
    train: saved.metrics?.train ?? { loss: NaN, accuracy: NaN },
  };
}
