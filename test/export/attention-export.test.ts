import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportAttention, formatFromPath } from '../../src/export/attention-export.ts';
import { parseSelectionSpec } from '../../src/export/attention-selection.ts';
import { entriesOf, entry, syntheticAttention } from './synthetic-attention.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tk-attention-export-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('exportAttention', () => {
  it('picks the format from the output path', () => {
    expect(formatFromPath('out/a.json')).toBe('json');
    expect(formatFromPath('A.HTML')).toBe('html');
    expect(formatFromPath('view.htm')).toBe('html');
    expect(formatFromPath('out/attention')).toBe('npy');
    expect(formatFromPath('out/attention/')).toBe('npy');
  });

  it('resolves the selection on the first input and reports the counts', async () => {
    const out = join(dir, 'a.json');
    const summary = await exportAttention(entriesOf([entry(syntheticAttention({ layers: 4, heads: 3 }))]), {
      format: 'json',
      out,
      selection: parseSelectionSpec('1-2', 'all'),
      multi: false,
    });
    expect(summary).toEqual({ count: 1, selection: { layers: [1, 2], heads: [0, 1, 2] }, numLayers: 4, numHeads: 3 });
    // attention[layer] at the model's layer numbers: 4 entries, layers 0 and 3 left empty.
    expect(JSON.parse(await readFile(out, 'utf8')).attention.map((layer: unknown[]) => layer.length)).toEqual([0, 3, 3, 0]);
  });

  it.each(['json', 'npy', 'html'] as const)('writes no %s output when --layers names a missing layer', async (format) => {
    const out = join(dir, format === 'npy' ? 'dump' : `a.${format}`);
    const run = exportAttention(entriesOf([entry(syntheticAttention({ layers: 2 }))]), {
      format,
      out,
      selection: parseSelectionSpec('0,2', undefined),
      multi: false,
    });
    await expect(run).rejects.toMatchObject({ kind: 'usage', where: { flag: '--layers' } });
    expect(await readdir(dir)).toEqual([]);
  });

  it('says so when there is nothing to export', async () => {
    const run = exportAttention(entriesOf([]), { format: 'json', out: join(dir, 'a.json'), selection: parseSelectionSpec(undefined, undefined), multi: true });
    await expect(run).rejects.toMatchObject({ kind: 'input', message: 'there are no inputs to compute attention for' });
  });
});
