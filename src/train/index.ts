export { fit, BEST_DIR, LAST_DIR, type FitOptions, type FitResult, type LabelledFeatures } from './fit.ts';
export { defaultTrainConfig, validateTrainConfig, type TrainConfig, type EarlyStoppingConfig } from './config.ts';
export { evaluate, predictProbabilities, penultimateFeatures } from './evaluate.ts';
export { computeMetrics, parseMonitor } from './metrics.ts';
export * from './events.ts';
