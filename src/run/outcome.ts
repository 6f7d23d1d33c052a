import type { Metrics, RunResults } from '../train/events.ts';

/** What runFinetune returns and writeRunOutputs records. */
export interface FinetuneOutcome extends RunResults {
  outputDir: string;
  /** Parent of best/ and last/. */
  checkpointDir: string;
  /** The checkpoint the reported metrics and predictions come from (best, else last). */
  checkpoint?: string;
  resultsFile: string;
  device: string;
  tfBackend: string;
  /** What trained the head alone ('ort cpu', 'tfjs wasm'; fit's headEngine), where head-only steps ran in this process. */
  headEngine?: string;
  /** Present when backbone layers trained (--unfreeze-top). */
  backboneTraining?: BackboneTrainingInfo;
  /** --compare-frozen: the same head trained in the same run on the frozen backbone's features (its best epoch by the checkpoint monitor). */
  frozenBaseline?: { eval: Record<string, Metrics>; epoch: number; seconds: number };
}

export interface BackboneTrainingInfo {
  unfreeze_top: number | 'all';
  layers: string;
  unfreeze_at_epoch: number;
  lr_ratio: number;
  /** Whether its batches were length-grouped (--group-by-length). */
  group_by_length: boolean;
  /** The TF.js backend that ran (and trained) those layers. */
  engine: string;
  /** Bytes of lower-part hidden states cached on disk, and the splits recomputed every epoch instead. */
  cache_bytes: number;
  cache_dtype: string;
  recomputed: string[];
  /** Seconds per epoch of layer training estimated from its first timed steps (train/estimate.ts), and the suggestion shown when long. */
  estimate?: { seconds_per_epoch: number; seconds_per_step: number; steps_per_epoch: number; timed_steps: number; suggestion: string | null };
}
