import type { PaddedBatch } from '../encode/batch.ts';
import { padBatch } from '../encode/batch.ts';
import { planBatches } from '../encode/bucketing.ts';
import type { EncodedInput } from '../encode/pairs.ts';
import type { ExtractOptions, FeatureMatrix, Pooling, TextInput } from '../core/index.ts';
import type { ForwardOutput } from './types.ts';

/** What extraction needs from a backbone. */
export interface BatchEncoder {
  readonly dim: number;
  readonly tokenizer: { padId: number };
  encodeInputs(inputs: TextInput[], maxLength: number): EncodedInput[];
  forward(batch: PaddedBatch): Promise<ForwardOutput>;
}

export const DEFAULT_BATCH_SIZE = 32;

/**
 * Inputs encoded and length-sorted together. Measured on MNLI dev-matched (bert-base-cased tokenizer,
 * batch 32): padding is 5.1% of token slots with windows of 1,024 rows, 3.4% with 1,600, 1.3% with 4,096
 * and 0.9% with 8,192. Only one window's token ids are held at a time, so memory does not grow with the
 * dataset beyond the output matrix.
 */
export const WINDOW_ROWS = 4096;

/** Features of `rows` consecutive inputs from `start` on. */
export interface FeatureWindow extends FeatureMatrix {
  start: number;
}

/**
 * Window by window: encode → plan length-bucketed batches → run each → pool into the window's [rows, H]
 * matrix in input order, yielded when complete. Only one window's token ids and features and one batch's
 * activations are alive at a time, so a caller that writes each window out holds nothing that grows with
 * the dataset.
 */
export async function* extractWindows(model: BatchEncoder, inputs: TextInput[], options: ExtractOptions): AsyncGenerator<FeatureWindow> {
  const dim = model.dim;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const bucketing = options.bucketing ?? true;
  let done = 0;
  options.onProgress?.(0, inputs.length);
  for (let start = 0; start < inputs.length; start += WINDOW_ROWS) {
    const encoded = model.encodeInputs(inputs.slice(start, start + WINDOW_ROWS), options.maxLength);
    const data = new Float32Array(encoded.length * dim);
    // One sort over the whole window (planBatches' own windowing off): the window already bounds memory.
    for (const indices of planBatches(encoded.map((e) => e.ids.length), { batchSize, bucketing, windowBatches: Infinity })) {
      const batch = padBatch(indices.map((i) => encoded[i]), model.tokenizer.padId);
      const output = await model.forward(batch);
      poolInto(output, batch, options.pooling, dim, (row) => data.subarray(indices[row] * dim, (indices[row] + 1) * dim));
      done += indices.length;
      options.onProgress?.(done, inputs.length);
    }
    yield { start, rows: encoded.length, dim, data };
  }
}

/** All windows gathered into one [N, H] matrix in input order. */
export async function extractFeatures(model: BatchEncoder, inputs: TextInput[], options: ExtractOptions): Promise<FeatureMatrix> {
  const dim = model.dim;
  const data = new Float32Array(inputs.length * dim);
  for await (const window of extractWindows(model, inputs, options)) data.set(window.data, window.start * dim);
  return { rows: inputs.length, dim, data };
}

/** `cls`: the [CLS] row (position 0); `mean`: the average over real (unmasked) tokens. */
export function poolInto(
  output: ForwardOutput,
  batch: PaddedBatch,
  pooling: Pooling,
  dim: number,
  target: (row: number) => Float32Array,
): void {
  const hidden = output.lastHiddenState;
  for (let r = 0; r < batch.batch; r++) {
    const out = target(r);
    const base = r * batch.seq * dim;
    if (pooling === 'cls') {
      out.set(hidden.subarray(base, base + dim));
      continue;
    }
    const length = batch.lengths[r];
    const sum = new Float64Array(dim);
    for (let t = 0; t < length; t++) {
      const at = base + t * dim;
      for (let h = 0; h < dim; h++) sum[h] += hidden[at + h];
    }
    for (let h = 0; h < dim; h++) out[h] = sum[h] / length;
  }
}
