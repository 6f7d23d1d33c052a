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
    monitor(v.best)
  );
}
