import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTextDataset, MNLI_LABELS } from '../../src/data/index.ts';
import type { TextDataset } from '../../src/data/types.ts';
import { titleUnless } from '../helpers/shared.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const shared = resolve(repoRoot, '../shared/data');
const present = existsSync(resolve(shared, 'mnli')) && existsSync(resolve(shared, 'snli'));

function labelCounts(dataset: TextDataset): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const label of dataset.labels!) counts[dataset.labelNames[label]] = (counts[dataset.labelNames[label]] ?? 0) + 1;
  return counts;
}

// Counts: dev_matched from ../shared/README.md; the others counted with `cut -f1 | sort | uniq -c` and awk.
const expected: { file: string; rows: number; counts: Record<string, number>; firstLine: number; first: [string, string] }[] = [
  {
    file: 'mnli/dev_matched.tsv',
    rows: 9815,
    counts: { entailment: 3479, contradiction: 3213, neutral: 3123 },
    firstLine: 2,
    first: ['The new rights are nice enough', 'Everyone really likes the newest benefits '],
  },
  {
    file: 'mnli/sample_matched.tsv',
    rows: 1000,
    counts: { entailment: 373, neutral: 311, contradiction: 316 },
    firstLine: 1,
    first: ['In Temple Bar , the bookshop at the Gallery of Photography', 'There is a bookshop at the'],
  },
  {
    file: 'mnli/sample_mismatched.tsv',
    rows: 1000,
    counts: { entailment: 346, neutral: 319, contradiction: 335 },
    firstLine: 1,
    first: ["You ca n't take it with you -- neither can I , unfortunately .", 'You are not able to bring it with you .'],
  },
  {
    file: 'mnli/train_2way.tsv',
    rows: 5353,
    counts: { entailment: 2803, contradiction: 2550 },
    firstLine: 2,
    first: ['Hughes has accomplished this in part by the unusual technique of double ghosting.', 'He was able to double ghost.'],
  },
  {
    file: 'snli/sample.tsv',
    rows: 1000,
    counts: { entailment: 367, neutral: 322, contradiction: 311 },
    firstLine: 1,
    first: ['A person in a black and green outfit is riding a bicycle .', 'a colorfully dressed child rides a bike'],
  },
];

describe.skipIf(!present)(titleUnless(present, 'shared MNLI / SNLI files (../shared/data)', `${shared}/mnli or /snli`), () => {
  for (const { file, rows, counts, firstLine, first } of expected) {
    it(`reads ${file}: ${rows} rows with the README's label counts`, async () => {
      const dataset = await loadTextDataset(resolve(shared, file), { requireLabels: true });
      expect(dataset.texts).toHaveLength(rows);
      expect(dataset.textPairs).toHaveLength(rows);
      expect(labelCounts(dataset)).toEqual(counts);
      // All of them are MNLI-style: GLUE order, even the 2-way file that lacks neutral.
      expect(dataset.labelNames).toEqual(MNLI_LABELS);
      expect(dataset.skipped).toEqual([]);
      expect(dataset.lines[0]).toBe(firstLine);
      expect(dataset.lines[rows - 1]).toBe(firstLine + rows - 1);
      expect(dataset.texts[0].startsWith(first[0])).toBe(true);
      expect(dataset.textPairs![0].startsWith(first[1])).toBe(true);
      expect(dataset.contentHash).toMatch(/^[0-9a-f]{64}$/);
    });
  }

  it('gives the same content hash on a second read and a different one for another file', async () => {
    const a = await loadTextDataset(resolve(shared, 'mnli/sample_matched.tsv'));
    const b = await loadTextDataset(resolve(shared, 'mnli/sample_matched.tsv'));
    const c = await loadTextDataset(resolve(shared, 'mnli/sample_mismatched.tsv'));
    expect(a.contentHash).toBe(b.contentHash);
    expect(a.contentHash).not.toBe(c.contentHash);
  });

  it('stops at --max-samples', async () => {
    const dataset = await loadTextDataset(resolve(shared, 'mnli/dev_matched.tsv'), { maxSamples: 25 });
    expect(dataset.texts).toHaveLength(25);
    expect(Array.from(dataset.lines.slice(0, 3))).toEqual([2, 3, 4]);
  });
});
