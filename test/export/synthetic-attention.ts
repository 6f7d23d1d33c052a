import type { TextInput } from '../../src/core/index.ts';
import type { AttentionResult } from '../../src/backbones/types.ts';
import type { AttentionEntry } from '../../src/export/attention-entry.ts';

/** A seeded, softmax-normalised AttentionResult: rows sum to 1, values vary by layer, head, row and column. */
export function syntheticAttention(options: { tokens?: string[]; sentenceBStart?: number | null; layers?: number; heads?: number; seed?: number } = {}): AttentionResult {
  const tokens = options.tokens ?? ['[CLS]', 'the', '</script><b>', '[SEP]', 'a', '&amp;', '[SEP]'];
  const sentenceBStart = options.sentenceBStart === undefined ? 4 : options.sentenceBStart;
  const numLayers = options.layers ?? 4;
  const numHeads = options.heads ?? 3;
  let state = options.seed ?? 7;
  const random = () => {
    // mulberry32: a tiny seeded generator, enough for test data.
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const seq = tokens.length;
  const layers = Array.from({ length: numLayers }, () => {
    const values = new Float32Array(numHeads * seq * seq);
    for (let row = 0; row < numHeads * seq; row++) {
      const logits = Array.from({ length: seq }, () => random() * 8 - 4);
      const total = logits.reduce((sum, x) => sum + Math.exp(x), 0);
      logits.forEach((x, j) => (values[row * seq + j] = Math.exp(x) / total));
    }
    return values;
  });
  return { tokens, sentenceBStart, numHeads, layers };
}

export function entry(result: AttentionResult, index = 0, input: TextInput = { text: 'the </script><b>', textPair: 'a &amp;' }, line?: number): AttentionEntry {
  return { index, line, input, result };
}

export async function* entriesOf(items: AttentionEntry[], failAt?: number): AsyncGenerator<AttentionEntry> {
  for (const [k, item] of items.entries()) {
    if (k === failAt) throw new Error(`synthetic failure at input ${k}`);
    yield item;
  }
}

/** attention[layer][head][i][j] from the Float32Array layout. */
export function valueAt(result: AttentionResult, layer: number, head: number, i: number, j: number): number {
  const seq = result.tokens.length;
  return result.layers[layer][(head * seq + i) * seq + j];
}
