/**
 * Issue 10 items 1-3: a file's columns must fit the task and agree between train and validation; a user's
 * --train is not validated on the bundled set (none, said once, or --validation-split); NLI-shaped data
 * keeps the MNLI three labels, and a stray label is an error naming file:line with the fixes.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromFlags } from '../../cli/finetune-flags.ts';
import { loadTextDataset } from '../../src/data/index.ts';
import { defaultFinetuneConfig, interactiveFinetuneConfig, type FinetuneConfig } from '../../src/run/config.ts';
import { runFinetune } from '../../src/run/finetune.ts';
import type { RunEvent } from '../../src/train/events.ts';
import { scratchRun, writeFixture } from '../helpers/tiny-model.ts';

const bundledTrain = resolve(import.meta.dirname, '../../datasets/nli-tiny/train.tsv');
const lineOf = (promise: Promise<unknown>) => promise.then(() => 'loaded', (error: { line: string }) => error.line);

describe('data a newcomer brings', () => {
  const run = scratchRun('transferkit-run-data-');
  const config = (name: string, overrides: Partial<FinetuneConfig>): FinetuneConfig => ({
    ...defaultFinetuneConfig(),
    model: run.model,
    maxTrainSamples: 60,
    maxLength: 32,
    epochs: 1,
    tfBackend: 'cpu',
    outputDir: join(run.dir, name),
    ...overrides,
  });

  it('item 1: a premise column without its hypothesis is one line naming the file, the columns found and those expected', async () => {
    const file = writeFixture(run.dir, 'premise-only.tsv', 'premise\tlabel\nA man sleeps.\tentailment\nA dog runs.\tneutral\n');
    expect(await lineOf(loadTextDataset(file, { requireLabels: true }))).toBe(
      `${file}:1: columns found: premise, label; expected premise and hypothesis (text pairs), or one text column (text, sentence, question), and a label; 'premise' needs its partner 'hypothesis' (or name the columns with --text-column / --text-pair-column)`,
    );
    // Named explicitly, a lone premise column is a single-text set as asked.
    expect((await loadTextDataset(file, { textColumn: 'premise' })).textPairs).toBeNull();
  });

  it('item 1: single-text validation data next to pair training data is refused before extraction', async () => {
    const texts = writeFixture(run.dir, 'texts.tsv', 'text\tlabel\nA man sleeps.\tentailment\nA dog runs.\tneutral\nIt rains.\tcontradiction\n');
    const events: RunEvent[] = [];
    await expect(runFinetune(config('mixed', { train: 'bundled:nli-tiny/train', validation: { dev: texts } }), { emit: (e) => events.push(e) })).rejects.toMatchObject({
      kind: 'input',
      where: { file: texts },
      message: "holds single texts (column 'text') but the training data holds text pairs (columns 'premise', 'hypothesis'); train and validation need the same columns",
    });
    expect(events.filter((e) => e.type.startsWith('extract'))).toEqual([]);
  });

  it('item 2: a user --train without --validation is validated on nothing (said once), not on the bundled set', async () => {
    const events: RunEvent[] = [];
    const outcome = await runFinetune(config('own', { train: bundledTrain }), { emit: (e) => events.push(e) });
    expect(outcome.eval).toEqual({});
    expect(events.filter((e) => e.type === 'notice')).toEqual([
      { type: 'notice', message: 'no validation set: give --validation NAME=SOURCE, or --validation-split F to hold out a fraction of the training data' },
    ]);
    const results = JSON.parse(await readFile(join(run.dir, 'own', 'results.json'), 'utf8'));
    expect(results.eval).toEqual({});
    // The bundled training split still comes with its own validation split.
    expect(configFromFlags({}).validation).toEqual({});
    expect(configFromFlags({ train: 'mine.tsv' }, interactiveFinetuneConfig()).validation).toEqual({});
  });

  it('item 2: --validation-split holds out a seeded fraction of the training rows', async () => {
    const outcome = await runFinetune(config('split', { train: bundledTrain, validationSplit: 0.25 }), { emit: () => {} });
    expect(outcome.eval.validation.n).toBe(15);
    const results = JSON.parse(await readFile(join(run.dir, 'split', 'results.json'), 'utf8'));
    expect(results.train.n).toBe(45);
    const lines = (await readFile(join(run.dir, 'split', 'predictions-validation.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).line);
    expect(lines).toHaveLength(15);
    expect(new Set(lines).size).toBe(15);
    expect(configFromFlags({ 'validation-split': '0.1' }).validationSplit).toBe(0.1);
    expect(() => configFromFlags({ 'validation-split': '1' })).toThrow(expect.objectContaining({ line: "--validation-split: must be a number in (0, 1), got '1'" }));
  });

  it('item 3: NLI data with a stray label is an error at its line, with the three ways out', async () => {
    const file = writeFixture(run.dir, 'stray.tsv', 'premise\thypothesis\tlabel\na\tb\tentailment\nc\td\tneutral\ne\tf\tmaybe\ng\th\tcontradiction\n');
    expect(await lineOf(loadTextDataset(file, { requireLabels: true }))).toBe(
      `${file}:4: unknown label 'maybe'; expected one of entailment, neutral, contradiction (or 0-2); correct the row, pass --lenient to skip it, or --label-names to widen the set`,
    );
    const lenient = await loadTextDataset(file, { requireLabels: true, lenient: true });
    expect(lenient.labelNames).toEqual(['entailment', 'neutral', 'contradiction']);
    expect(lenient.texts).toHaveLength(3);
    const widened = await loadTextDataset(file, { labelNames: ['entailment', 'neutral', 'contradiction', 'maybe'] });
    expect(Array.from(widened.labels!)).toEqual([0, 1, 3, 2]);
    expect(configFromFlags({ 'label-names': 'yes,no' }).labelNames).toEqual(['yes', 'no']);
  });
});
