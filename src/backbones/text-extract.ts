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
 * Encode → plan length-bucketed batches → run each → pool into a [N, H] matrix in input order. Only one
 * batch's activations are alive at a time; the token ids of all inputs are small (N × ≤ maxLength).
 */
export async function extractFeatures(model: BatchEncoder, inputs: TextInput[], options: ExtractOptions): Promise<FeatureMatrix> {
  const dim = model.dim;
  const encoded = model.encodeInputs(inputs, options.maxLength);
  const lengths = encoded.map((e) => e.ids.length);
  const batches = planBatches(lengths, { batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE, bucketing: options.bucketing ?? true });
  const data = new Float32Array(inputs.length * dim);
  let done = 0;
  options.onProgress?.(0, inputs.length);
  for (const indices of batches) {
    const batch = padBatch(indices.map((i) => encoded[i]), model.tokenizer.padId);
    const output = await model.forward(batch);
    poolInto(output, batch, options.pooling, dim, (row) => data.subarray(indices[row] * dim, (indices[row] + 1) * dim));
    done += indices.length;
    options.onProgress?.(done, inputs.length);
  }
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
