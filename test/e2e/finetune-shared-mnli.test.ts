/**
 * finetune on the real MNLI files in ../shared with a generated (random-weight) model that has the real
 * bert-base-cased vocabulary: the whole run completes on real data, writes sane results, and learns. Random
 * weights keep little more than word identity (mean pooling), so it learns lexical cues only: measured
 * with seeds 42 / 1 / 7, 38.3% / 38.1% / 38.4% on dev_matched (the majority class is 35.45%; a head that
 * learns only the class prior gets exactly that) and 56.2% / 55.9% / 56.3% on its entailment/contradiction
 * rows (majority 52.0%); train_2way has no neutral class.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveShared, SHARED_DIR, titleUnless } from '../helpers/shared.ts';
import { makeTestBert, scratchDir } from '../helpers/tiny-model.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const mnli = resolve(repoRoot, '../shared/data/mnli');
const present = haveShared('data/mnli/dev_matched.tsv', 'data/mnli/train_2way.tsv', 'tokenizers/bert-base-cased/tokenizer.json');
const exec = promisify(execFile);

describe.skipIf(!present)(titleUnless(present, 'finetune on ../shared MNLI (train_2way → dev_matched)', '../shared (MNLI files, bert-base-cased tokenizer)'), () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await scratchDir('transferkit-mnli-'));
  });
  afterAll(() => cleanup());

  it('extracts, trains and evaluates all 9,815 dev pairs, and learns more than the class prior', async () => {
    const { dir: model } = await makeTestBert(dir, 'model', { layers: 1, hidden: 128, heads: 4, intermediate: 128, vocabDir: join(SHARED_DIR, 'tokenizers/bert-base-cased') });
    const out = join(dir, 'run');
    await exec(
      process.execPath,
      [
        join(repoRoot, 'bin/transferkit.js'), 'finetune', '--model', model,
        '--train', join(mnli, 'train_2way.tsv'), '--validation', `matched=${join(mnli, 'dev_matched.tsv')}`,
        '--pooling', 'mean', '--epochs', '20', '--lr', '5e-2', '--max-length', '64', '--extract-batch-size', '64', '--output-dir', out, '--no-ui',
      ],
      { env: { ...process.env, TRANSFERKIT_CACHE: join(dir, 'cache'), NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 },
    );
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    expect(results.labels).toEqual(['entailment', 'neutral', 'contradiction']);
    expect(results.train.n).toBe(5353);
    const matched = results.eval.matched;
    expect(matched.n).toBe(9815);
    // Gold rows of the confusion matrix are the file's label counts.
    expect(matched.confusion.map((row: number[]) => row.reduce((a, b) => a + b, 0))).toEqual([3479, 3123, 3213]);
    // Learning, not only the prior: above the majority class (3479/9815 = 0.3545) by 3 standard errors.
    expect(matched.accuracy).toBeGreaterThan(0.37);
    const [[ee, , ec], , [ce, , cc]] = matched.confusion as number[][];
    expect((ee + cc) / (ee + ec + ce + cc)).toBeGreaterThan(0.545);
    // Random weights: well below what a pretrained model reaches (~0.6-0.8 for a probe).
    expect(matched.accuracy).toBeLessThan(0.55);
    const lines = (await readFile(join(out, 'predictions-matched.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(9815);
    expect(results.extraction.train.rows).toBe(5353);
    expect(results.extraction.matched.cached).toBe(false);
  }, 300_000);
});
