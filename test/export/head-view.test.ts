import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { scratchFolder } from '../helpers/tiny-model.ts';
import { writeAttentionHtml } from '../../src/export/attention-html.ts';
import { writeAttentionJson } from '../../src/export/attention-json.ts';
import { entriesOf, entry, syntheticAttention, valueAt } from './synthetic-attention.ts';

type Range = [number, number];
interface Logic {
  filterRanges(n: number, bStart: number | null, filter: string): { rows: Range; cols: Range };
  rowScale(row: number[], cols: Range, contrast: string): number;
  opacity(weight: number, scale: number): number;
  heatmapPixels(matrix: number[][], ranges: { rows: Range; cols: Range }, contrast: string, rgb: number[]): Uint8ClampedArray;
  gridCells(data: { layers: number[]; heads: number[]; attention: number[][][][] }): { layer: number; head: number; matrix: number[][] }[][];
  parseHash(hash: string): Record<string, unknown>;
}

/** The page's own script, run as the page would load it but with a `module` to hand its arithmetic out (no DOM). */
function headViewLogic(): Logic {
  const code = readFileSync(new URL('../../src/export/html/head-view.js', import.meta.url), 'utf8');
  const module = { exports: {} as Logic };
  runInNewContext(code, { module, Uint8ClampedArray, Math });
  return module.exports;
}

const scratch = scratchFolder('tk-head-view-');

describe('head view script', () => {
  const logic = headViewLogic();

  it('a sentence filter shows only those sentences: B → A lists B on the left, A on the right', () => {
    // 7 tokens, sentence B from token 4.
    expect(logic.filterRanges(7, 4, 'BA')).toEqual({ rows: [4, 7], cols: [0, 4] });
    expect(logic.filterRanges(7, 4, 'AB')).toEqual({ rows: [0, 4], cols: [4, 7] });
    expect(logic.filterRanges(7, 4, 'BB')).toEqual({ rows: [4, 7], cols: [4, 7] });
    expect(logic.filterRanges(7, 4, 'all')).toEqual({ rows: [0, 7], cols: [0, 7] });
    // A single text has no B: every filter shows everything.
    expect(logic.filterRanges(5, null, 'BA')).toEqual({ rows: [0, 5], cols: [0, 5] });
  });

  it('contrast: scaled to the row max, a near-uniform row is visible; opacity = weight leaves it faint', () => {
    const row = [0.26, 0.25, 0.25, 0.24];
    const all: Range = [0, 4];
    const byWeight = row.map((w) => logic.opacity(w, logic.rowScale(row, all, 'weight')));
    const byRow = row.map((w) => logic.opacity(w, logic.rowScale(row, all, 'row')));
    expect(Math.max(...byWeight)).toBeCloseTo(0.26, 6);
    expect(Math.max(...byRow)).toBe(1);
    expect(Math.min(...byRow)).toBeCloseTo(0.24 / 0.26, 6);
    // The row max is taken over the columns shown (a filter), not the whole row.
    expect(logic.rowScale(row, [2, 4], 'row')).toBe(0.25);
  });

  it('model view heatmaps: one pixel per shown token pair, each row reaching full opacity under row contrast', () => {
    const result = syntheticAttention();
    const matrix = Array.from({ length: 7 }, (_, i) => Array.from({ length: 7 }, (_, j) => valueAt(result, 0, 1, i, j)));
    const ranges = logic.filterRanges(7, 4, 'AB');
    const pixels = logic.heatmapPixels(matrix, ranges, 'row', [10, 20, 30]);
    expect(pixels).toHaveLength(4 * 3 * 4);
    for (let r = 0; r < 4; r++) {
      const alphas = [0, 1, 2].map((c) => pixels[(r * 3 + c) * 4 + 3]);
      expect(Math.max(...alphas)).toBe(255);
      const i = r;
      const max = Math.max(matrix[i][4], matrix[i][5], matrix[i][6]);
      expect(alphas[1]).toBe(Math.round((255 * matrix[i][5]) / max));
    }
    expect([...pixels.slice(0, 3)]).toEqual([10, 20, 30]);
  });

  it('the model view grid covers every exported layer x head at the real numbers of a --layers/--heads dump', async () => {
    const result = syntheticAttention({ layers: 4, heads: 3 });
    const out = join(scratch.dir, 'sel.json');
    await writeAttentionJson(out, entriesOf([entry(result)]), { layers: [1, 3], heads: [0, 2] }, { multi: false });
    const data = JSON.parse(await readFile(out, 'utf8'));
    const grid = logic.gridCells(data);
    expect(grid.map((row) => row.map(({ layer, head }) => `L${layer}H${head}`))).toEqual([
      ['L1H0', 'L1H2'],
      ['L3H0', 'L3H2'],
    ]);
    expect(grid[1][1].matrix[5][2]).toBeCloseTo(valueAt(result, 3, 2, 5, 2), 6);
  });

  it('reads a view from the page address and ignores what it does not know', () => {
    expect(logic.parseHash('#layer=3&heads=0,2&filter=BA&contrast=weight')).toEqual({ layer: 3, heads: [0, 2], filter: 'BA', contrast: 'weight' });
    expect(logic.parseHash('#layer=x&filter=CC&heads=1,,2&other=1')).toEqual({});
    expect(logic.parseHash('')).toEqual({});
  });

  it('the page has the contrast control (row max by default) and the model view grid', async () => {
    const out = join(scratch.dir, 'view.html');
    await writeAttentionHtml(out, entriesOf([entry(syntheticAttention())]), { layers: [0, 1], heads: [0, 1, 2] }, { multi: false });
    const html = await readFile(out, 'utf8');
    const contrast = /<select id="contrast-select">([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    expect([...contrast.matchAll(/<option value="(\w+)"/g)].map((m) => m[1])).toEqual(['row', 'weight']);
    expect(html).toContain('id="model-grid"');
    expect(html).toContain("contrast: asked.contrast ?? 'row'");
  });
});
