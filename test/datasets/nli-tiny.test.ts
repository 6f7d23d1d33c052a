import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bundledDataset, loadTextDataset, MNLI_LABELS } from '../../src/data/index.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const committed = join(repoRoot, 'datasets/nli-tiny');

describe('bundled dataset datasets/nli-tiny', () => {
  it('regenerates byte-identically from datasets/generate-nli.ts', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tk-nli-tiny-'));
    try {
      await promisify(execFile)(process.execPath, [join(repoRoot, 'bin/run-ts.js'), join(repoRoot, 'datasets/generate-nli.ts'), out], { cwd: repoRoot });
      expect(readdirSync(out).sort()).toEqual(['README.md', 'train.tsv', 'validation.tsv']);
      for (const name of ['train.tsv', 'validation.tsv', 'README.md']) {
        const regenerated = readFileSync(join(out, name));
        expect(regenerated.equals(readFileSync(join(committed, name))), `${name} differs from the committed file`).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('loads balanced splits with MNLI labels and no premise shared between train and validation', async () => {
    expect(bundledDataset('train')).toBe(join(committed, 'train.tsv'));
    const train = await loadTextDataset(bundledDataset('train'), { requireLabels: true });
    const validation = await loadTextDataset(bundledDataset('validation'), { requireLabels: true });
    for (const [dataset, perLabel] of [
      [train, 1000],
      [validation, 200],
    ] as const) {
      expect(dataset.labelNames).toEqual(MNLI_LABELS);
      expect(dataset.skipped).toEqual([]);
      const counts = [0, 0, 0];
      for (const label of dataset.labels!) counts[label]++;
      expect(counts).toEqual([perLabel, perLabel, perLabel]);
      // One hypothesis per label for each premise.
      expect(new Set(dataset.texts).size).toBe(perLabel);
      expect(new Set(dataset.texts.map((t, i) => `${t}\t${dataset.textPairs![i]}`)).size).toBe(perLabel * 3);
    }
    const trainPremises = new Set(train.texts);
    expect(validation.texts.filter((premise) => trainPremises.has(premise))).toEqual([]);
  });

  it('states the real label counts in its dataset card', () => {
    const card = readFileSync(join(committed, 'README.md'), 'utf8');
    expect(card).toContain('| train | 3000 | 1000 | 1000 | 1000 | 1000 |');
    expect(card).toContain('| validation | 600 | 200 | 200 | 200 | 200 |');
    expect(card).toContain('## Licence');
  });
});
