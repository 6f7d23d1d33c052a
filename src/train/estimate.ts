/**
 * How long an epoch of backbone-layer training will take, from its first timed steps, and what to do
 * when that is long (issue 13: "say plainly which engine trains the layers and how long an epoch takes").
 */

/** An epoch of layer training longer than this (10 minutes) gets a suggestion to make it shorter. */
export const LONG_EPOCH_SECONDS = 600;
/** Steps timed after one warm-up step (the first step compiles kernels and allocates). */
export const TIMED_STEPS = 3;

/** The estimate event's payload (see RunEvent 'estimate'). */
export interface EpochEstimate {
  /** Backbone layers training ('layers 3-4'). */
  layers: string;
  /** The TF.js backend training them. */
  engine: string;
  secondsPerStep: number;
  stepsPerEpoch: number;
  /** Training steps only; each epoch's evaluation adds a forward pass over the validation sets. */
  secondsPerEpoch: number;
  /** Steps the figure is the median of. */
  timedSteps: number;
  /** One line for the user when the epoch is longer than LONG_EPOCH_SECONDS, else null. */
  suggestion: string | null;
}

/** Collects step times: one warm-up step, then TIMED_STEPS timed ones (fewer when the epoch is shorter). */
export class StepTimer {
  private readonly times: number[] = [];
  private seen = 0;

  /**
   * Records one step; true once enough steps are timed (or `last` says no more steps will come).
   * `builtGraph`: the step built a session for a new shape (the ort engine), so it is a warm-up too.
   */
  record(seconds: number, last: boolean, builtGraph = false): boolean {
    this.seen++;
    // Warm-up steps count only when nothing else will be timed.
    if ((this.seen > 1 && !builtGraph) || (last && this.times.length === 0)) this.times.push(seconds);
    return this.times.length >= TIMED_STEPS || (last && this.times.length > 0);
  }

  get count(): number {
    return this.times.length;
  }

  median(): number {
    const sorted = this.times.slice().sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }
}

/**
 * The estimate and, past LONG_EPOCH_SECONDS, one suggestion: fewer layers (time per step grows about
 * with the layers trained) and/or an engine ahead of this one in the backend picker's order.
 */
export function estimateEpoch(input: {
  timer: StepTimer;
  stepsPerEpoch: number;
  layers: string;
  engine: string;
  trainedLayers: number;
  /** The backend picker's order, fastest first (TF_BACKENDS). */
  engines: readonly string[];
}): EpochEstimate {
  const secondsPerStep = input.timer.median();
  const secondsPerEpoch = secondsPerStep * input.stepsPerEpoch;
  return {
    layers: input.layers,
    engine: input.engine,
    secondsPerStep,
    stepsPerEpoch: input.stepsPerEpoch,
    secondsPerEpoch,
    timedSteps: input.timer.count,
    suggestion: secondsPerEpoch > LONG_EPOCH_SECONDS ? suggestion(secondsPerEpoch, input) : null,
  };
}

function suggestion(secondsPerEpoch: number, input: { engine: string; trainedLayers: number; engines: readonly string[] }): string {
  const options: string[] = [];
  if (input.trainedLayers > 1) {
    // Time per step grows about with the layers trained: the K that would bring an epoch under the limit.
    const k = Math.max(1, Math.min(input.trainedLayers - 1, Math.floor((input.trainedLayers * LONG_EPOCH_SECONDS) / secondsPerEpoch)));
    options.push(`--unfreeze-top ${k}`);
  }
  const here = input.engines.indexOf(input.engine);
  const faster = input.engines.slice(0, here < 0 ? 0 : here).filter((e) => e in ENGINE_PACKAGES);
  if (faster.length > 0) options.push(`a faster engine: ${faster.map((e) => `${e} (${ENGINE_PACKAGES[e]})`).join(' or ')}`);
  const over = `over ${LONG_EPOCH_SECONDS / 60} minutes per epoch of layer training on ${input.engine}`;
  return options.length > 0 ? `${over}; to shorten it try ${options.join(', or ')}` : `${over}; no faster setting is available here`;
}

/** What to install for a faster TF.js backend of the picker. */
const ENGINE_PACKAGES: Record<string, string> = {
  'tfjs-node-gpu': 'CUDA GPU; npm install @tensorflow/tfjs-node-gpu@4.22.0',
  'tfjs-node': 'all CPU cores; npm install @tensorflow/tfjs-node@4.22.0',
  webgpu: 'a GPU through Dawn; npm install @tensorflow/tfjs-backend-webgpu@4.22.0 webgpu@0.6.2',
};
