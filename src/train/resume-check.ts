import { usageError } from '../errors.ts';
import { defaultTrainConfig, type TrainConfig } from './config.ts';

/** Fields that change the arithmetic of a run; a resumed run must agree on all of them. */
const RESUME_FIXED: (keyof TrainConfig)[] = [
  'epochs', 'batchSize', 'optimizer', 'learningRate', 'weightDecay', 'beta1', 'beta2', 'epsilon', 'momentum',
  'schedule', 'warmupRatio', 'warmupSteps', 'maxGradNorm', 'classWeights', 'seed', 'earlyStopping',
  'unfreezeTop', 'unfreezeAtEpoch', 'backboneLrRatio', 'groupByLength',
];

/** Refuses a resume whose training settings differ from the checkpoint's, naming each with both values. */
export function checkResumeTraining(saved: TrainConfig | null, config: TrainConfig): void {
  // Settings a version-1 checkpoint did not record take their defaults (a frozen backbone).
  const defaults = defaultTrainConfig();
  const then = (key: keyof TrainConfig) => JSON.stringify(saved?.[key] ?? defaults[key]);
  const current = (key: keyof TrainConfig) => JSON.stringify(config[key] ?? defaults[key]);
  const changed = RESUME_FIXED.filter((key) => then(key) !== current(key));
  if (changed.length === 0) return;
  const values = changed.map((key) => `${key}: ${then(key)} then, ${current(key)} now`);
  throw usageError(`cannot resume: training settings differ from the interrupted run (${values.join('; ')}); resume with the flags the run was started with`, '--resume');
}

/**
 * Another TF.js backend rounds differently, so a resumed run would drift from the uninterrupted one in the
 * last bits: refused unless forced; forced, it returns the notice to show.
 */
export function checkResumeBackend(recorded: string, now: string, force: boolean): string | null {
  if (recorded === now) return null;
  if (!force) {
    throw usageError(
      `cannot resume: the run was trained on the TF.js '${recorded}' backend and this process has '${now}', so its numbers would differ in the last bits; pass --tf-backend ${recorded} to match, or --force to resume on '${now}' anyway`,
      '--resume',
    );
  }
  return `resuming on the TF.js '${now}' backend; the run was trained on '${recorded}' (--force), so its numbers may differ in the last bits from an uninterrupted run`;
}
