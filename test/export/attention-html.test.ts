import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapeScriptJson, writeAttentionHtml } from '../../src/export/attention-html.ts';
import { entriesOf, entry, syntheticAttention, valueAt } from './synthetic-attention.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tk-attention-html-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The JSON script blocks, parsed as a browser would: raw text up to the first `</script`. */
function dataBlocks(html: string): unknown[] {
  return [...html.matchAll(/<script type="application\/json" class="tk-attention">([\s\S]*?)<\/script/gi)].map((m) => JSON.parse(m[1]));
}

describe('attention HTML writer', () => {
  it('escapes characters that could end the script element or open markup', () => {
    const json = escapeScriptJson(JSON.stringify({ t: '</script><b>&\u2028<!--' }));
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual({ t: '</script><b>&\u2028<!--' });
  });

  it('is one self-contained file: no network references, inline style and script only', async () => {
    const out = join(dir, 'view.html');
    await writeAttentionHtml(out, entriesOf([entry(syntheticAttention())]), { layers: [0, 1, 2, 3], heads: [0, 1, 2] }, { multi: false, title: 'tiny-bert' });
    const html = await readFile(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link\b|@import|url\(/i);
    expect(html).toContain('<title>Attention: tiny-bert</title>');
    expect(html).toContain('id="layer-select"');
    expect(html).toContain('id="heads"');
    expect(html).not.toContain('/*tk:viewer*/');
    expect(html).not.toContain('<!--tk:');
  });

  it('embeds the data, escaped so a </script><b> token cannot break out', async () => {
    const result = syntheticAttention();
    const out = join(dir, 'view.html');
    await writeAttentionHtml(out, entriesOf([entry(result)]), { layers: [1, 3], heads: [0, 2] }, { multi: false });
    const html = await readFile(out, 'utf8');
    expect(html).not.toContain('</script><b>');
    expect(html).not.toContain('<b>');
    // Every script element closes exactly where it should: one closing tag per opening tag.
    expect(html.match(/<script\b/gi)!.length).toBe(html.match(/<\/script/gi)!.length);
    const [data] = dataBlocks(html) as Array<{ tokens: string[]; sentence_b_start: number; layers: number[]; heads: number[]; attention: number[][][][]; text: string }>;
    expect(data.tokens).toEqual(result.tokens);
    expect(data.text).toBe('the </script><b>');
    expect(data.sentence_b_start).toBe(4);
    expect(data.layers).toEqual([1, 3]);
    expect(data.heads).toEqual([0, 2]);
    let maxDiff = 0;
    for (const layer of [1, 3]) {
      for (const head of [0, 2]) {
        for (let i = 0; i < 7; i++) {
          for (let j = 0; j < 7; j++) maxDiff = Math.max(maxDiff, Math.abs(data.attention[layer][head][i][j] - valueAt(result, layer, head, i, j)));
        }
      }
    }
    expect(maxDiff).toBeLessThanOrEqual(5e-5);
  });

  it('holds one data block per input of a file and the input labels for the selector', async () => {
    const out = join(dir, 'many.html');
    const items = [
      entry(syntheticAttention({ seed: 1 }), 0, { text: 'first premise', textPair: 'first hypothesis' }, 2),
      entry(syntheticAttention({ seed: 2, tokens: ['[CLS]', 'x', '[SEP]'], sentenceBStart: null }), 1, { text: 'x' }, 3),
      entry(syntheticAttention({ seed: 3 }), 2, { text: 'third', textPair: 'pair' }, 4),
    ];
    expect(await writeAttentionHtml(out, entriesOf(items), { layers: [0], heads: [1] }, { multi: true })).toBe(3);
    const html = await readFile(out, 'utf8');
    const blocks = dataBlocks(html) as Array<{ index: number; tokens: string[] }>;
    expect(blocks.map((b) => b.index)).toEqual([0, 1, 2]);
    expect(blocks[1].tokens).toEqual(['[CLS]', 'x', '[SEP]']);
    const labels = JSON.parse(/<script type="application\/json" id="tk-inputs">([\s\S]*?)<\/script/.exec(html)![1]);
    expect(labels).toEqual([
      { index: 0, line: 2, text: 'first premise', text_pair: 'first hypothesis' },
      { index: 1, line: 3, text: 'x', text_pair: null },
      { index: 2, line: 4, text: 'third', text_pair: 'pair' },
    ]);
    expect(html).toContain('id="input-select"');
  });

  it('writes nothing when the inputs fail midway', async () => {
    const out = join(dir, 'fail.html');
    const items = [entry(syntheticAttention({ seed: 1 })), entry(syntheticAttention({ seed: 2 }), 1)];
    await expect(writeAttentionHtml(out, entriesOf(items, 1), { layers: [0], heads: [0] }, { multi: true })).rejects.toThrow(/synthetic failure/);
    expect(await readdir(dir)).toEqual([]);
  });
});
