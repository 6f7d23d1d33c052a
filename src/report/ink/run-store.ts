import type { TransferKitError } from '../../errors.ts';
import type { EpochEstimate } from '../../train/estimate.ts';
import type { Metrics, RunEvent, RunInfo, RunResults } from '../../train/events.ts';
import { SeriesHistory } from './series-history.ts';

export type RunPhase = 'waiting' | 'extracting' | 'training' | 'done' | 'failed';

export interface SplitProgress {
  split: string;
  done: number;
  total: number;
  perSecond: number;
  cached: boolean;
  finished: boolean;
  seconds?: number;
}

export interface EpochRow {
  epoch: number;
  epochs: number;
  train: { loss: number; accuracy: number };
  eval: Record<string, Metrics>;
  seconds: number;
}

/** What the run finally reports: the kept checkpoint re-evaluated, and where the results file went. */
export interface FinalResults extends RunResults {
  /** The checkpoint the metrics come from (best, else last). */
  checkpoint?: string;
  resultsFile?: string;
}

export interface CheckpointNote {
  path: string;
  reason: 'best' | 'last' | 'manual' | 'interrupt';
  epoch: number;
  step: number;
}

/** Everything the screens draw; a plain object so a snapshot is a shallow copy. */
export interface RunState {
  version: number;
  phase: RunPhase;
  info?: RunInfo;
  splits: SplitProgress[];
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** Steps finished over the whole run, for the ETA. */
  globalStep: number;
  loss?: number;
  lr?: number;
  examplesPerSecond?: number;
  /** Steps per second over recent steps (pauses and evaluations excluded), for the ETA. */
  stepsPerSecond?: number;
  losses: number[];
  /** Accuracy of the first evaluation set after each epoch. */
  validationAccuracy: number[];
  epochRows: EpochRow[];
  best?: { set: string; accuracy: number; epoch: number };
  paused: boolean;
  lastCheckpoint?: CheckpointNote;
  /** The last save asked for with `s`; kept apart so the per-epoch saves do not hide it. */
  manualCheckpoint?: CheckpointNote;
  manualEvaluation?: { epoch: number; step: number; eval: Record<string, Metrics> };
  earlyStop?: { epoch: number; monitor: string; best: number };
  /** Backbone layers training this epoch ('layers 3-4'), null while the head trains alone; absent for a head-only run. */
  backboneTraining?: string | null;
  /** Layer training's estimated epoch time (and suggestion), once timed. */
  estimate?: EpochEstimate;
  /** Notices of the run, in order (e.g. that there is no validation set). */
  notices: string[];
  results?: FinalResults;
  /** True once finish() gave the kept checkpoint's metrics; before, results are the trainer's last epoch. */
  final: boolean;
  error?: TransferKitError;
  /** The run is over and its reporter closed: the app may draw its last frame and exit. */
  closed: boolean;
}

const RATE_WINDOW = 20;

/**
 * The latest state of a run, folded from its events. Reporters push events in (cheap, no rendering);
 * the Ink app reads a snapshot on its own timer, so a fast trainer never floods React with updates.
 */
export class RunStore {
  private state: RunState = {
    version: 0,
    phase: 'waiting',
    splits: [],
    epoch: 0,
    epochs: 0,
    step: 0,
    steps: 0,
    globalStep: 0,
    losses: [],
    validationAccuracy: [],
    epochRows: [],
    notices: [],
    paused: false,
    final: false,
    closed: false,
  };
  private readonly lossHistory = new SeriesHistory(2048);
  /** Times of recent steps; cleared when a pause or an evaluation breaks the rhythm. */
  private stepTimes: number[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  get version(): number {
    return this.state.version;
  }

  /** A shallow copy with fresh arrays, so React sees a new object and <Static> sees new items. */
  snapshot(): RunState {
    return {
      ...this.state,
      splits: this.state.splits.map((split) => ({ ...split })),
      losses: this.lossHistory.values(),
      validationAccuracy: [...this.state.validationAccuracy],
      epochRows: [...this.state.epochRows],
    };
  }

  readonly push = (event: RunEvent): void => {
    this.apply(event);
    this.state.version += 1;
  };

  /**
   * The run's own final results: the trainer's run-end carries the last epoch's metrics, while the
   * finetune re-evaluates the checkpoint it keeps (best) and writes those; the summary shows these.
   */
  finish(results: FinalResults): void {
    Object.assign(this.state, { phase: 'done', results, final: true, paused: false });
    this.state.version += 1;
  }

  /** The run has finished (or failed) and nothing more will come. */
  close(): void {
    this.state.closed = true;
    this.state.version += 1;
  }

  private apply(event: RunEvent): void {
    const state = this.state;
    switch (event.type) {
      case 'run-start': {
        const { type: _type, ...info } = event;
        state.info = info;
        return;
      }
      case 'extract-progress': {
        if (state.phase === 'waiting') state.phase = 'extracting';
        const split = this.split(event.split);
        Object.assign(split, { done: event.done, total: event.total, perSecond: event.perSecond, cached: event.cached });
        return;
      }
      case 'extract-end': {
        const split = this.split(event.split);
        Object.assign(split, { done: event.total, total: event.total, cached: event.cached, finished: true, seconds: event.seconds });
        return;
      }
      case 'epoch-start':
        state.phase = 'training';
        Object.assign(state, { epoch: event.epoch, epochs: event.epochs, steps: event.steps, step: 0 });
        if (event.backboneTraining !== undefined) state.backboneTraining = event.backboneTraining;
        this.stepTimes = [];
        return;
      case 'estimate': {
        const { type: _type, epoch: _epoch, ...estimate } = event;
        state.estimate = estimate;
        return;
      }
      case 'step':
        state.phase = 'training';
        Object.assign(state, { epoch: event.epoch, step: event.step, steps: event.steps, loss: event.loss, lr: event.lr });
        state.examplesPerSecond = event.perSecond;
        state.globalStep += 1;
        this.lossHistory.push(event.loss);
        this.recordStepTime();
        return;
      case 'epoch-end': {
        const { type: _type, ...row } = event;
        state.epochRows.push(row);
        state.epochs = event.epochs;
        const [firstSet] = Object.keys(event.eval);
        if (firstSet) {
          const accuracy = event.eval[firstSet].accuracy;
          state.validationAccuracy.push(accuracy);
          if (!state.best || accuracy > state.best.accuracy) state.best = { set: firstSet, accuracy, epoch: event.epoch };
        }
        // Evaluation time is not step time.
        this.stepTimes = [];
        return;
      }
      case 'evaluation':
        state.manualEvaluation = { epoch: event.epoch, step: event.step, eval: event.eval };
        this.stepTimes = [];
        return;
      case 'checkpoint': {
        const { type: _type, ...note } = event;
        state.lastCheckpoint = note;
        if (note.reason === 'manual') state.manualCheckpoint = note;
        return;
      }
      case 'early-stop': {
        const { type: _type, ...note } = event;
        state.earlyStop = note;
        return;
      }
      case 'notice':
        state.notices = [...state.notices, event.message];
        return;
      case 'paused':
        state.paused = event.paused;
        this.stepTimes = [];
        return;
      case 'run-end':
        state.phase = 'done';
        state.results = event.results;
        state.paused = false;
        return;
      case 'error':
        state.phase = 'failed';
        state.error = event.error;
        return;
    }
  }

  private split(name: string): SplitProgress {
    let split = this.state.splits.find((s) => s.split === name);
    if (!split) {
      split = { split: name, done: 0, total: 0, perSecond: 0, cached: false, finished: false };
      this.state.splits.push(split);
    }
    return split;
  }

  private recordStepTime(): void {
    const times = this.stepTimes;
    times.push(this.now());
    if (times.length > RATE_WINDOW) times.shift();
    if (times.length >= 2) {
      const seconds = (times[times.length - 1] - times[0]) / 1000;
      if (seconds > 0) this.state.stepsPerSecond = (times.length - 1) / seconds;
    }
  }
}

/** Steps left in the whole run (this epoch's rest plus the epochs to come), assuming equal epochs. */
export function remainingSteps(state: Pick<RunState, 'epoch' | 'epochs' | 'step' | 'steps'>): number {
  const epochsAfterThis = Math.max(0, state.epochs - state.epoch);
  return Math.max(0, state.steps - state.step) + epochsAfterThis * state.steps;
}
