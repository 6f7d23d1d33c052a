import { mkdtemp, readdir, readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/export/npy.ts';
import { inputDirName, layerFileName, writeAttentionNpy } from '../../src/export/attention-npy.ts';
import { entriesOf, entry, syntheticAttention, valueAt } from './synthetic-attention.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tk-attention-npy-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readNpy = async (path: string) => decodeNpy(new Uint8Array(await readFile(path)));

describe('attention npy writer', () => {
  it('names files by model layer index and inputs by zero-padded position', () => {
    expect(layerFileName(3, 12)).toBe('layer_03.npy');
    expect(layerFileName(7, 120)).toBe('layer_007.npy');
    expect(inputDirName(12, 40)).toBe('00012');
    expect(inputDirName(12, 200_000)).toBe('000012');
  });

  it('writes one float32 [heads, seq, seq] file per layer plus tokens.json', async () => {
    const result = syntheticAttention({ layers: 3, heads: 2 });
    const out = join(dir, 'dump');
    await writeAttentionNpy(out, entriesOf([entry(result)]), { layers: [0, 1, 2], heads: [0, 1] }, { multi: false });
    expect((await readdir(out)).sort()).toEqual(['layer_00.npy', 'layer_01.npy', 'layer_02.npy', 'tokens.json']);
    for (let l = 0; l < 3; l++) {
      const { data, shape } = await readNpy(join(out, layerFileName(l, 3)));
      expect(shape).toEqual([2, 7, 7]);
      expect(Array.from(data)).toEqual(Array.from(result.layers[l]));
    }
    const tokens = JSON.parse(await readFile(join(out, 'tokens.json'), 'utf8'));
    expect(tokens).toEqual({ tokens: result.tokens, sentence_b_start: 4, layers: [0, 1, 2], heads: [0, 1] });
  });

  it('keeps only the selected heads of the selected layers', async () => {
    const result = syntheticAttention({ layers: 4, heads: 3 });
    const out = join(dir, 'sel');
    await writeAttentionNpy(out, entriesOf([entry(result)]), { layers: [2], heads: [0, 2] }, { multi: false });
    expect((await readdir(out)).sort()).toEqual(['layer_02.npy', 'tokens.json']);
    const { data, shape } = await readNpy(join(out, 'layer_02.npy'));
    expect(shape).toEqual([2, 7, 7]);
    for (const [k, head] of [0, 2].entries()) {
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 7; j++) expect(data[(k * 7 + i) * 7 + j]).toBe(valueAt(result, 2, head, i, j));
      }
    }
  });

  it('writes one subfolder per input of a file and an index.json', async () => {
    const short = syntheticAttention({ tokens: ['[CLS]', 'x', '[SEP]'], sentenceBStart: null, seed: 3 });
    const long = syntheticAttention({ seed: 4 });
    const out = join(dir, 'many');
    const items = [entry(long, 0, { text: 'p', textPair: 'h' }, 2), entry(short, 1, { text: 'x' }, 3)];
    expect(await writeAttentionNpy(out, entriesOf(items), { layers: [1], heads: [0, 1, 2] }, { multi: true, total: 2 })).toBe(2);
    expect((await readdir(out)).sort()).toEqual(['00000', '00001', 'index.json']);
    expect((await readNpy(join(out, '00001', 'layer_01.npy'))).shape).toEqual([3, 3, 3]);
    const first = await readNpy(join(out, '00000', 'layer_01.npy'));
    expect(first.shape).toEqual([3, 7, 7]);
    expect(Array.from(first.data)).toEqual(Array.from(long.layers[1]));
    const tokens = JSON.parse(await readFile(join(out, '00001', 'tokens.json'), 'utf8'));
    expect(tokens).toMatchObject({ index: 1, line: 3, text: 'x', text_pair: null, tokens: ['[CLS]', 'x', '[SEP]'], sentence_b_start: null });
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'));
    expect(index).toEqual({
      layers: [1],
      heads: [0, 1, 2],
      inputs: [
        { dir: '00000', index: 0, line: 2, tokens: 7 },
        { dir: '00001', index: 1, line: 3, tokens: 3 },
      ],
    });
  });

  it('replaces an old dump only when the new one is complete', async () => {
    const out = join(dir, 'dump');
    await mkdir(out);
    await writeFile(join(out, 'old.txt'), 'old');
    const items = [entry(syntheticAttention({ seed: 1 })), entry(syntheticAttention({ seed: 2 }), 1)];
    await expect(writeAttentionNpy(out, entriesOf(items, 1), { layers: [0], heads: [0] }, { multi: true, total: 2 })).rejects.toThrow(/synthetic failure/);
    expect(await readdir(dir)).toEqual(['dump']);
    expect(await readdir(out)).toEqual(['old.txt']);
  });
});
