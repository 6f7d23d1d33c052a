import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAttentionJson } from '../../src/export/attention-json.ts';
import { entriesOf, entry, syntheticAttention, valueAt } from './synthetic-attention.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tk-attention-json-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('attention JSON writer', () => {
  it('writes the bertviz layout with every layer and head, within 1e-6 of the float32 values', async () => {
    const result = syntheticAttention();
    const out = join(dir, 'attention.json');
    const all = { layers: [0, 1, 2, 3], heads: [0, 1, 2] };
    expect(await writeAttentionJson(out, entriesOf([entry(result)]), all, { multi: false })).toBe(1);
    const json = JSON.parse(await readFile(out, 'utf8'));
    expect(Object.keys(json)).toEqual(['tokens', 'sentence_b_start', 'layers', 'heads', 'attention']);
    expect(json.tokens).toEqual(result.tokens);
    expect(json.sentence_b_start).toBe(4);
    expect(json.attention).toHaveLength(4);
    let maxDiff = 0;
    for (let l = 0; l < 4; l++) {
      expect(json.attention[l]).toHaveLength(3);
      for (let h = 0; h < 3; h++) {
        expect(json.attention[l][h]).toHaveLength(7);
        for (let i = 0; i < 7; i++) {
          expect(json.attention[l][h][i]).toHaveLength(7);
          for (let j = 0; j < 7; j++) maxDiff = Math.max(maxDiff, Math.abs(json.attention[l][h][i][j] - valueAt(result, l, h, i, j)));
        }
      }
    }
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('keeps numbers compact: at most six significant digits', async () => {
    const out = join(dir, 'a.json');
    await writeAttentionJson(out, entriesOf([entry(syntheticAttention())]), { layers: [0], heads: [0] }, { multi: false });
    const text = await readFile(out, 'utf8');
    const numbers = text.slice(text.indexOf('"attention"')).match(/[0-9.e-]+/g)!;
    for (const n of numbers) expect(n.replace(/e.*$/, '').replace(/^0\.0*/, '').replace('.', '').length).toBeLessThanOrEqual(6);
  });

  it('with a selection, keeps attention[layer][head] at the real layer and head numbers: other entries are []', async () => {
    const result = syntheticAttention({ layers: 4, heads: 3 });
    const out = join(dir, 'sel.json');
    await writeAttentionJson(out, entriesOf([entry(result)]), { layers: [1, 3], heads: [0, 2] }, { multi: false });
    const json = JSON.parse(await readFile(out, 'utf8'));
    expect(json.layers).toEqual([1, 3]);
    expect(json.heads).toEqual([0, 2]);
    // One entry per model layer, one per model head in an exported layer.
    expect(json.attention).toHaveLength(4);
    expect(json.attention[0]).toEqual([]);
    expect(json.attention[2]).toEqual([]);
    expect(json.attention[1]).toHaveLength(3);
    expect(json.attention[1][1]).toEqual([]);
    expect(json.attention[3][2][5][2]).toBeCloseTo(valueAt(result, 3, 2, 5, 2), 6);
    expect(json.attention[1][0][0][6]).toBeCloseTo(valueAt(result, 1, 0, 0, 6), 6);
    expect(json.attention[1][2]).toHaveLength(7);
  });

  it('with a layer selection only, every exported layer is a whole [heads][seq][seq] block, as bertviz include_layers takes it', async () => {
    const result = syntheticAttention({ layers: 4, heads: 3 });
    const out = join(dir, 'layers.json');
    await writeAttentionJson(out, entriesOf([entry(result)]), { layers: [2], heads: [0, 1, 2] }, { multi: false });
    const json = JSON.parse(await readFile(out, 'utf8'));
    expect(json.attention.map((layer: unknown[]) => layer.length)).toEqual([0, 0, 3, 0]);
    // bertviz's format_attention(attention, include_layers) picks attention[l] for l in include_layers.
    const picked = json.layers.map((l: number) => json.attention[l]);
    expect(picked[0][1][4][4]).toBeCloseTo(valueAt(result, 2, 1, 4, 4), 6);
  });

  it('writes null for sentence_b_start of a single text', async () => {
    const result = syntheticAttention({ tokens: ['[CLS]', 'hi', '[SEP]'], sentenceBStart: null, layers: 1, heads: 1 });
    const out = join(dir, 'single.json');
    await writeAttentionJson(out, entriesOf([entry(result, 0, { text: 'hi' })]), { layers: [0], heads: [0] }, { multi: false });
    expect(JSON.parse(await readFile(out, 'utf8')).sentence_b_start).toBeNull();
  });

  it('writes a file of inputs as a JSON array, one object per input with its index, line and texts', async () => {
    const results = [syntheticAttention({ seed: 1 }), syntheticAttention({ seed: 2, tokens: ['[CLS]', 'x', '[SEP]'], sentenceBStart: null })];
    const out = join(dir, 'many.json');
    const items = [entry(results[0], 0, { text: 'p', textPair: 'h' }, 2), entry(results[1], 1, { text: 'x' }, 3)];
    expect(await writeAttentionJson(out, entriesOf(items), { layers: [0, 2], heads: [0, 1, 2] }, { multi: true })).toBe(2);
    const json = JSON.parse(await readFile(out, 'utf8'));
    expect(Array.isArray(json)).toBe(true);
    expect(json.map((e: { index: number; line: number; text: string; text_pair: string | null }) => [e.index, e.line, e.text, e.text_pair])).toEqual([
      [0, 2, 'p', 'h'],
      [1, 3, 'x', null],
    ]);
    expect(json[1].tokens).toEqual(['[CLS]', 'x', '[SEP]']);
    expect(json[1].attention[2][2][1][0]).toBeCloseTo(valueAt(results[1], 2, 2, 1, 0), 6);
    expect(json[0].attention[0][1][3][3]).toBeCloseTo(valueAt(results[0], 0, 1, 3, 3), 6);
  });

  it('leaves nothing behind (and an old file untouched) when the inputs fail midway', async () => {
    const out = join(dir, 'keep.json');
    await writeFile(out, 'old');
    const items = [entry(syntheticAttention({ seed: 1 })), entry(syntheticAttention({ seed: 2 }), 1)];
    await expect(writeAttentionJson(out, entriesOf(items, 1), { layers: [0], heads: [0] }, { multi: true })).rejects.toThrow(/synthetic failure/);
    expect(await readFile(out, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['keep.json']);
  });

  it('refuses non-finite attention with a runtime error instead of writing invalid JSON', async () => {
    const result = syntheticAttention();
    result.layers[0][5] = Number.NaN;
    const out = join(dir, 'nan.json');
    await expect(writeAttentionJson(out, entriesOf([entry(result)]), { layers: [0], heads: [0] }, { multi: false })).rejects.toMatchObject({
      kind: 'runtime',
      message: expect.stringContaining('layer 0, head 0 holds NaN at [0][5]'),
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
