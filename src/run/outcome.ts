import type { RunResults } from '../train/events.ts';

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
}
