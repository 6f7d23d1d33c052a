import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addAttentionOutputs } from '../../../src/backbones/onnx/attention-outputs.ts';
import { loadReferenceBert, referenceForward, type ReferenceOutputs } from '../../helpers/reference-bert.ts';
import { tinyModelDir } from '../../helpers/tiny-model.ts';
import { PADDED_PAIR_BATCH, maxAbsDiff, runBert, type OrtOutputs } from './ort-session.ts';

const inputs = PADDED_PAIR_BATCH;
const batch = inputs.inputIds.length;
const seq = inputs.inputIds[0]!.length;

describe('generated BERT under ONNX Runtime vs the float64 reference', () => {
  let reference: ReferenceOutputs;
  let heads: number;
  let layers: number;
  let original: OrtOutputs;
  let derived: OrtOutputs;

  beforeAll(async () => {
    const dir = await tinyModelDir();
    const bert = await loadReferenceBert(dir);
    ({ heads, layers } = bert.config);
    reference = referenceForward(bert, inputs);
    const bytes = await readFile(join(dir, 'onnx', 'model.onnx'));
    original = await runBert(bytes, inputs);
    derived = await runBert(addAttentionOutputs(bytes, layers).bytes, inputs);
  });

  it('last_hidden_state of the original model matches within 1e-4', () => {
    expect(original.last_hidden_state!.dims).toEqual([batch, seq, 32]);
    expect(maxAbsDiff(original.last_hidden_state!.data, reference.lastHiddenState)).toBeLessThanOrEqual(1e-4);
  });

  it('the attention-derived model gives the same last_hidden_state', () => {
    expect(maxAbsDiff(derived.last_hidden_state!.data, original.last_hidden_state!.data)).toBe(0);
  });

  it('every attention map matches the reference within 1e-4', () => {
    expect(Object.keys(derived).filter((k) => k.startsWith('attentions.')).sort()).toEqual(
      Array.from({ length: layers }, (_, l) => `attentions.${l}`),
    );
    for (let l = 0; l < layers; l++) {
      const got = derived[`attentions.${l}`]!;
      expect(got.dims).toEqual([batch, heads, seq, seq]);
      expect(maxAbsDiff(got.data, reference.attentions[l]!), `layer ${l}`).toBeLessThanOrEqual(1e-4);
    }
  });

  it('attention rows sum to 1, padded keys get exactly 0, and the maps are far from uniform', () => {
    for (let l = 0; l < layers; l++) {
      const data = derived[`attentions.${l}`]!.data;
      let spread = 0;
      for (let b = 0; b < batch; b++) {
        const valid = inputs.attentionMask[b]!.reduce((a, m) => a + m, 0);
        for (let h = 0; h < heads; h++) {
          for (let i = 0; i < seq; i++) {
            const row = data.subarray(((b * heads + h) * seq + i) * seq, ((b * heads + h) * seq + i + 1) * seq);
            expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
            for (let j = valid; j < seq; j++) expect(row[j]).toBe(0);
            const live = Array.from(row.subarray(0, valid));
            spread = Math.max(spread, Math.max(...live) - Math.min(...live));
          }
        }
      }
      // A test model with near-uniform attention could not tell a wrong scale or mask from a right one.
      expect(spread).toBeGreaterThan(0.1);
    }
  });

  it('the reference itself reacts to the mask and to token types (it is not trivially matching)', async () => {
    const bert = await loadReferenceBert(await tinyModelDir());
    const flippedTypes = referenceForward(bert, { ...inputs, tokenTypeIds: inputs.tokenTypeIds.map((r) => r.map(() => 0)) });
    expect(maxAbsDiff(flippedTypes.lastHiddenState, reference.lastHiddenState)).toBeGreaterThan(1e-2);
  });
});
