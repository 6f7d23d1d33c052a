/** The shape of bench/run.ts' results file (one entry per part, each stamped with when it ran). */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { GemmMeasurement } from './gemm-ceiling.ts';

export const ALL_PARTS = ['padding', 'rounds', 'full', 'load', 'int8', 'heads', 'rss'] as const;
/**
 * Parts only run when named: `agreement` embeds dev_matched with the int8 model again and measures the
 * agreement against the fp32 features the full part left (without re-running the rest of it);
 * `rss-int8` measures peak RSS over the repeated 100k-pair file with the 12-layer int8 model (about half an
 * hour quiet; the fp32 model would take about 80 minutes).
 */
export const EXTRA_PARTS = ['agreement', 'rss-int8'] as const;
/** `report` runs nothing and rewrites the report from the results file. */
export type Part = (typeof ALL_PARTS)[number] | (typeof EXTRA_PARTS)[number] | 'report';

export interface RssRun {
  pairs: number;
  command: string;
  wallSeconds: number;
  peakRssBytes: number | null;
}

/** One int8 engine's agreement with fp32 (bench/int8-agreement.ts). */
export interface Agreement {
  engine: string;
  command: string;
  file: string;
  rows: number;
  meanCosine: number;
  minCosine: number;
  /** Mean over the head seeds (older results: one head, seed 42). */
  agreement: number;
  minAgreement?: number;
  maxAgreement?: number;
  bySeed?: { seed: number; agreement: number; accuracy: number }[];
  /** The embed command that wrote the int8 features (the agreement part). */
  embedCommand?: string;
}

export interface Stamp {
  at: string;
  /** os.loadavg(): 1, 5 and 15 minute load averages when the part finished (this machine has 2 cores). */
  loadavg: number[];
  /** The `npm run bench` command line that measured the part. */
  invocation?: string;
  /**
   * The bench's CPU priority as Linux schedules it: the nice value of its session's autogroup
   * (/proc/self/autogroup). With autogroups on, plain `nice` only ranks processes within one session,
   * so on a shared machine the bench is raised with `echo -20 > /proc/PID/autogroup`; recorded so the
   * report says which figures ran that way. Absent: not recorded (older results) or not Linux.
   */
  autogroupNice?: number;
  /** The CPU that measured the part (machineName()): a report may gather parts measured on different machines. Absent: not recorded (older results). */
  machine?: string;
}

export interface EngineRun extends Stamp {
  engine: 'naive' | 'fp32' | 'int8' | 'int8-fused';
  round?: number;
  pairs: number;
  command: string;
  /** The whole process: start-up, model load, reading, extraction, writing. */
  wallSeconds: number;
  /** Extraction alone as the process itself timed it (after the model was loaded). */
  inProcessPairsPerSecond: number;
  peakRssBytes: number | null;
  output: string;
}

export interface TokenStats {
  pairs: number;
  realTokens: number;
  /** Padding share of token slots: TransferKit's plan, and every pair padded to 128. */
  tkPadding: number;
  naivePadding: number;
  /** Mean token slots per TransferKit batch (the GEMM row count used for the ceiling). */
  meanBatchTokens: number;
  batches: number;
  distinctShapes: number;
}

/** bench/head-throughput.ts' median rounds for one head: `finetune` (fit's default path), `tfjs` (hand-written gradients), `autodiff`. */
export interface HeadFigures {
  head: string;
  rounds: number;
  methods: { method: 'finetune' | 'tfjs' | 'autodiff'; engine: string; examplesPerSecond: number; epochSeconds: number; wholeEpochs: number; rounds: number[] }[];
}

/** bench/train-engines.ts: layer training, ort vs tfjs engine, on one generated model. */
export interface LayerTrainingPart extends Stamp {
  /** 'a generated bert-base-size BERT (12 layers, hidden 768, …)' */
  model: string;
  batch: number;
  epochPairs: number;
  /** Per K: best-of-N seconds per step (wall / cpu), each engine; null where not run. */
  steps: { k: string; trained: string; ort: { wall: number; cpu: number; reps: number }; tfjs: { wall: number; cpu: number; reps: number } | null }[];
  /** Per K: seconds per epoch over epochPairs; measured (a whole epoch) or estimated from timed steps. */
  epochs: { k: string; ort: { wall: number; cpu: number; how: string }; statesSeconds: number; tfjs: { wall: number; cpu: number; how: string } | null }[];
  /** Peak RSS of an ort training process per K (child process, batch × the longest pairs). */
  memory: { k: string; peakBytes: number | null; seq: number | null }[];
}

export interface BenchResults {
  int8Note?: string;
  parts: {
    padding?: Stamp & TokenStats & { file: string };
    rounds?: Stamp & { file: string; every: number; pairs: number; realTokens: number; tkPadding: number; runs: EngineRun[]; ceilings: { round: number; gemm: GemmMeasurement[] }[] };
    full?: Stamp & { file: string; every: number; pairs: number; realTokens: number; tkPadding: number; runs: EngineRun[]; ceilings: { after: string; gemm: GemmMeasurement[] }[] };
    load?: Stamp & { loads: { engine: string; command: string; coldSeconds: number; warmSeconds: number }[] };
    int8?: Stamp & { agreements: Agreement[] };
    heads?: Stamp & { command: string; rows: number; dim: number; batchSize: number; tfBackend: string; roundSeconds: number; heads: HeadFigures[] };
    rss?: Stamp & { layers: number; intermediate: number; runs: RssRun[] };
    /** The 12-layer bench model, int8, over the repeated file. */
    rssInt8?: Stamp & RssRun;
    /** Written by bench/train-engines.ts (not bench/run.ts): the bert-base-size model, and `--model mid`. */
    layers?: LayerTrainingPart;
    layersMid?: LayerTrainingPart;
  };
}

/** A part's Stamp as it finishes now: time, load, priority and machine, and the command that measured it. */
export function stampNow(invocation: string): Stamp {
  return { at: new Date().toISOString(), loadavg: loadavg(), invocation, autogroupNice: autogroupNice(), machine: machineName() };
}

/** This machine's CPU model and logical core count, as a part's Stamp records it. */
export function machineName(): string {
  return `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} logical cores`;
}

/** This process's autogroup nice (see Stamp.autogroupNice); undefined where /proc/self/autogroup is absent. */
export function autogroupNice(): number | undefined {
  try {
    const match = /nice\s+(-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
