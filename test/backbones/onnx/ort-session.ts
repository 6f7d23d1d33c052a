/** Runs an ONNX BERT with onnxruntime-node directly (no Transformers.js) for the ONNX-level tests. */
import * as ort from 'onnxruntime-node';
import type { ReferenceInputs } from '../../helpers/reference-bert.ts';

export type OrtOutputs = Record<string, { dims: readonly number[]; data: Float32Array }>;

const int64 = (rows: number[][]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);

export async function runBert(model: string | Uint8Array, inputs: ReferenceInputs): Promise<OrtOutputs> {
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  try {
    const result = await session.run({
      input_ids: int64(inputs.inputIds),
      attention_mask: int64(inputs.attentionMask),
      token_type_ids: int64(inputs.tokenTypeIds),
    });
    return Object.fromEntries(
      Object.entries(result).map(([name, tensor]) => [name, { dims: tensor.dims, data: tensor.data as Float32Array }]),
    );
  } finally {
    await session.release();
  }
}

/** A padded batch of two: a sentence pair (type ids 0 then 1) of 9 tokens, and a 5-token text padded to 9. */
export const PADDED_PAIR_BATCH: ReferenceInputs = {
  inputIds: [
    [2, 310, 355, 402, 3, 77, 150, 431, 3],
    [2, 520, 12, 290, 3, 0, 0, 0, 0],
  ],
  attentionMask: [
    [1, 1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 0, 0, 0, 0],
  ],
  tokenTypeIds: [
    [0, 0, 0, 0, 0, 1, 1, 1, 1],
    [0, 0, 0, 0, 0, 0, 0, 0, 0],
  ],
};

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
