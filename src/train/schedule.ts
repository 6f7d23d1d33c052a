export type ScheduleKind = 'linear' | 'cosine' | 'constant';

/**
 * Learning-rate multiplier at optimizer step `step` (0-based), as the HF Trainer's schedulers:
 * linear warmup from 0 over `warmupSteps`, then linear decay to 0, half-cosine decay to 0, or constant.
 */
export function lrMultiplier(kind: ScheduleKind, step: number, warmupSteps: number, totalSteps: number): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
  switch (kind) {
    case 'constant':
      return 1;
    case 'linear':
      return Math.max(0, 1 - progress);
    case 'cosine':
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
  }
}

/** Warmup steps from an explicit count, else a ratio of all steps (HF: `ceil(ratio * total)`). */
export function warmupStepsFor(total: number, warmupSteps: number, warmupRatio: number): number {
  return warmupSteps > 0 ? warmupSteps : Math.ceil(warmupRatio * total);
}
