export { fit, type EncoderTraining, type FitOptions, type FitResult, type LabelledFeatures } from './fit.ts';
export { defaultTrainConfig, validateTrainConfig, type TrainConfig, type EarlyStoppingConfig } from './config.ts';
export { evaluate, predictProbabilities, penultimateFeatures } from './evaluate.ts';
export { computeMetrics, parseMonitor } from './metrics.ts';
export * from './events.ts';
export type { CheckpointStore, CheckpointSlot, TrainingSnapshot, SavedTraining } from './checkpoints.ts';
