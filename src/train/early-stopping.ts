/** Tracks the best value of a monitored metric; Lightning's EarlyStopping / ModelCheckpoint rule. */
export interface MonitorState {
  best: number | null;
  /** Epochs since the last improvement. */
  wait: number;
}

export function initialMonitorState(): MonitorState {
  return { best: null, wait: 0 };
}

/** Updates the state with this epoch's value; returns whether it improved. */
export function observe(state: MonitorState, value: number, mode: 'min' | 'max', minDelta = 0): boolean {
  const improved =
    state.best === null || (mode === 'min' ? value < state.best - minDelta : value > state.best + minDelta);
  if (improved) {
    state.best = value;
    state.wait = 0;
  } else {
    state.wait++;
  }
  return improved;
}
