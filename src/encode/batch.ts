import type { EncodedInput } from './pairs.ts';

/** A padded batch as ONNX Runtime wants it: int64 [batch, seq] tensors in row-major order. */
export interface PaddedBatch {
  batch: number;
  seq: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  /** Real (unpadded) length of each row. */
  lengths: Int32Array;
}

/** Pads to the longest row of this batch only (dynamic padding), on the right. */
export function padBatch(rows: EncodedInput[], padId: number): PaddedBatch {
  const batch = rows.length;
  const seq = rows.reduce((max, row) => Math.max(max, row.ids.length), 0);
  const inputIds = new BigInt64Array(batch * seq).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(batch * seq);
  const tokenTypeIds = new BigInt64Array(batch * seq);
  const lengths = new Int32Array(batch);
  rows.forEach((row, r) => {
    const base = r * seq;
    lengths[r] = row.ids.length;
    for (let i = 0; i < row.ids.length; i++) {
      inputIds[base + i] = BigInt(row.ids[i]);
      attentionMask[base + i] = 1n;
      tokenTypeIds[base + i] = BigInt(row.typeIds[i]);
    }
  });
  return { batch, seq, inputIds, attentionMask, tokenTypeIds, lengths };
}
