import type { TransferKitError } from '../errors.ts';
import type { EpochEstimate } from './estimate.ts';

/** Metrics of one pass over a labelled set. */
export interface Metrics {
  n: number;
  loss: number;
  accuracy: number;
  macroF1: number;
  perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
  /** confusion[gold][predicted] */
  confusion: number[][];
}

export interface RunInfo {
  /** Free-form description of the run (model, data, head, hyperparameters) for the header line. */
  config: Record<string, unknown>;
  device: string;
  tfBackend: string;
  labelNames: string[];
}

/**
 * The one typed event stream of a run. The trainer and the extraction step emit; reporters (plain
 * lines, JSON lines, the Ink UI) subscribe. No reporter logic lives in the trainer.
 *
 * Numbering: `epoch` in epoch-start / step / epoch-end / evaluation / early-stop is 1-based (the epoch
 * being run); `step` in a step event is 1-based within the epoch. In a checkpoint event `epoch` counts
 * completed epochs and `step` counts optimizer steps in the whole run. fit() emits everything from
 * epoch-start to run-end; run-start, extract-* and error come from the caller (the CLI).
 */
export type RunEvent =
  | ({ type: 'run-start' } & RunInfo)
  | { type: 'extract-progress'; split: string; done: number; total: number; perSecond: number; cached: boolean }
  | { type: 'extract-end'; split: string; total: number; seconds: number; cached: boolean }
  | { type: 'epoch-start'; epoch: number; epochs: number; steps: number; /** Backbone layers training this epoch ('layers 3-4'), null while frozen; absent when only a head trains. */ backboneTraining?: string | null }
  | { type: 'step'; epoch: number; step: number; steps: number; loss: number; lr: number; perSecond: number }
  /** Once per run, after the first timed steps of backbone-layer training: seconds per epoch, and a suggestion when long. */
  | ({ type: 'estimate'; epoch: number } & EpochEstimate)
  | { type: 'epoch-end'; epoch: number; epochs: number; train: { loss: number; accuracy: number }; eval: Record<string, Metrics>; seconds: number }
  | { type: 'evaluation'; epoch: number; step: number; eval: Record<string, Metrics>; reason: 'manual' }
  | { type: 'checkpoint'; path: string; reason: 'best' | 'last' | 'manual' | 'interrupt'; epoch: number; step: number }
  | { type: 'early-stop'; epoch: number; monitor: string; best: number }
  | { type: 'paused'; paused: boolean }
  /** Something the user should know once (a choice made for them, a --force taken), not an error. */
  | { type: 'notice'; message: string }
  | { type: 'run-end'; results: RunResults }
  | { type: 'error'; error: TransferKitError };

export interface RunResults {
  eval: Record<string, Metrics>;
  train: { loss: number; accuracy: number; epochs: number; steps: number; seconds: number; examplesPerSecond: number };
  stoppedEarly: boolean;
  interrupted: boolean;
  bestCheckpoint?: string;
  lastCheckpoint?: string;
  /** Backbone-layer training's estimated epoch time (absent when no layers trained in this process). */
  estimate?: EpochEstimate;
}

export interface Reporter {
  onEvent(event: RunEvent): void;
  close(): Promise<void>;
}

export type Emit = (event: RunEvent) => void;

/** Fans one stream out to every reporter. */
export function fanOut(reporters: Reporter[]): Emit {
  return (event) => {
    for (const reporter of reporters) reporter.onEvent(event);
  };
}

/**
 * Requests from outside the loop (keys in the Ink UI, SIGINT). The trainer polls it between steps, so
 * every request lands at a step boundary where the state is consistent.
 */
export class TrainerControl {
  paused = false;
  stopRequested = false;
  saveRequested = false;
  evalRequested = false;
  private wakers: (() => void)[] = [];

  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.wake();
  }
  togglePause(): void {
    if (this.paused) this.resume();
    else this.pause();
  }
  /** Also carried out while paused (it wakes a paused trainer). */
  requestSave(): void {
    this.saveRequested = true;
    this.wake();
  }
  /** Also carried out while paused (it wakes a paused trainer). */
  requestEval(): void {
    this.evalRequested = true;
    this.wake();
  }
  /** Stop at the next step boundary; the trainer saves a checkpoint first. */
  stop(): void {
    this.stopRequested = true;
    this.wake();
  }
  /** Resolves when not paused (or a stop was requested). */
  async whilePaused(): Promise<void> {
    while (this.paused && !this.stopRequested) await this.nextRequest();
  }
  /** Resolves at the next request (resume, stop, save, evaluate). */
  nextRequest(): Promise<void> {
    return new Promise<void>((resolve) => this.wakers.push(resolve));
  }
  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }
}
