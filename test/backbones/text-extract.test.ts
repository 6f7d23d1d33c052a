import { describe, expect, it } from 'vitest';
import { extractFeatures, extractWindows, WINDOW_ROWS, type BatchEncoder } from '../../src/backbones/text-extract.ts';
import type { PaddedBatch } from '../../src/encode/batch.ts';
import type { EncodedInput } from '../../src/encode/pairs.ts';
import type { TextInput } from '../../src/core/index.ts';

/**
 * A stand-in encoder whose "hidden state" at every position is the input's own number (parsed from its
 * text), so pooled rows show which input they came from. Records what it was asked to encode and run.
 */
function recordingEncoder() {
  const encodeCalls: number[] = [];
  const batches: PaddedBatch[] = [];
  const encoder: BatchEncoder = {
    dim: 2,
    tokenizer: { padId: 0 },
    encodeInputs(inputs: TextInput[]): EncodedInput[] {
      encodeCalls.push(inputs.length);
      return inputs.map((input) => {
        const n = Number(input.text);
        const ids = Int32Array.from({ length: 2 + (n % 7) }, () => n + 1);
        return { ids, typeIds: new Uint8Array(ids.length), sentenceBStart: null };
      });
    },
    async forward(batch: PaddedBatch) {
      batches.push(batch);
      const hidden = new Float32Array(batch.batch * batch.seq * 2);
      for (let r = 0; r < batch.batch; r++) hidden.fill(Number(batch.inputIds[r * batch.seq]) - 1, r * batch.seq * 2, (r + 1) * batch.seq * 2);
      return { batch: batch.batch, seq: batch.seq, lastHiddenState: hidden };
    },
  };
  return { encoder, encodeCalls, batches };
}

const numbered = (count: number): TextInput[] => Array.from({ length: count }, (_, i) => ({ text: String(i) }));

describe('extractWindows', () => {
  it(`encodes at most ${WINDOW_ROWS} inputs at a time and yields each window, in input order, once it is complete`, async () => {
    const count = 2 * WINDOW_ROWS + 5;
    const { encoder, encodeCalls, batches } = recordingEncoder();
    const starts: number[] = [];
    for await (const window of extractWindows(encoder, numbered(count), { pooling: 'cls', maxLength: 16, batchSize: 64 })) {
      starts.push(window.start);
      // Row r of the window is input start + r.
      for (let r = 0; r < window.rows; r++) expect(window.data[r * 2]).toBe(window.start + r);
      // Every batch run so far belongs to this window or an earlier one: nothing is computed ahead.
      const ran = batches.flatMap((b) => Array.from({ length: b.batch }, (_, r) => Number(b.inputIds[r * b.seq]) - 1));
      expect(Math.max(...ran)).toBe(window.start + window.rows - 1);
    }
    expect(encodeCalls).toEqual([WINDOW_ROWS, WINDOW_ROWS, 5]);
    expect(starts).toEqual([0, WINDOW_ROWS, 2 * WINDOW_ROWS]);
  });

  it('sorts lengths across the whole window, so batches are padded only to near-equal lengths', async () => {
    const { encoder, batches } = recordingEncoder();
    await extractFeatures(encoder, numbered(700), { pooling: 'cls', maxLength: 16, batchSize: 50 });
    // Lengths are 2..8 (100 inputs each): sorted across all 700 rows, no batch mixes two lengths.
    for (const batch of batches) expect(new Set(Array.from(batch.lengths)).size).toBe(1);
  });

  it('extractFeatures gathers the windows into one matrix in input order', async () => {
    const { encoder } = recordingEncoder();
    const count = WINDOW_ROWS + 3;
    const features = await extractFeatures(encoder, numbered(count), { pooling: 'mean', maxLength: 16 });
    expect(features.rows).toBe(count);
    expect(Array.from({ length: count }, (_, i) => features.data[i * 2 + 1])).toEqual(Array.from({ length: count }, (_, i) => i));
  });
});
