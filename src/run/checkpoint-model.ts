import type { DeviceChoice } from '../core/index.ts';
import { computeMetrics } from '../train/metrics.ts';
import type { Metrics } from '../train/events.ts';
import type { ModelInput, Prediction, TransferModel } from '../model/transfer-model.ts';

export interface OpenModelOptions {
  device?: DeviceChoice;
  offline?: boolean;
  tfBackend?: string;
}

/** Loads a checkpoint folder, or a run's checkpoint/ or output folder (its best/, else last/). */
export async function openCheckpoint(dir: string, options: OpenModelOptions = {}): Promise<TransferModel> {
  const { TransferModel } = await import('../model/transfer-model.ts');
  return TransferModel.loadFromCheckpoint(dir, options);
}


/** True when the checkpoint's backbone reads images (predict and eval then take image files and folders). */
export function isImageModel(model: TransferModel): boolean {
  return model.manifest.backbone?.modality === 'image';
}

/** Predictions in chunks, so progress can be shown and memory stays flat on large files. */
export async function predictAll(
  model: TransferModel,
  inputs: ModelInput[],
  options: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<Prediction> {
  const chunk = 1024;
  const labels: string[] = [];
  const labelIndices = new Int32Array(inputs.length);
  const probabilities: Float32Array[] = [];
  for (let start = 0; start < inputs.length; start += chunk) {
    const part = await model.predict(inputs.slice(start, start + chunk), { batchSize: options.batchSize });
    labels.push(...part.labels);
    labelIndices.set(part.labelIndices, start);
    probabilities.push(...part.probabilities);
    options.onProgress?.(Math.min(inputs.length, start + chunk), inputs.length);
  }
  return { labels, labelIndices, probabilities };
}

const SMALLEST_FLOAT32 = 1.401298464324817e-45;

/** Metrics of predictions against gold labels; loss is the mean negative log-likelihood of the gold class. */
export function predictionMetrics(prediction: Prediction, gold: Int32Array, labelNames: string[]): Metrics {
  let nll = 0;
  // Floor only an exact 0 (float32 underflow), at the smallest float32: a higher floor (it was 1e-12) cut
  // confident mistakes short and made eval's loss lower than the one results.json reports.
  for (let i = 0; i < gold.length; i++) nll -= Math.log(Math.max(prediction.probabilities[i][gold[i]], SMALLEST_FLOAT32));
  return computeMetrics(gold, prediction.labelIndices, labelNames, gold.length ? nll / gold.length : 0);
}
