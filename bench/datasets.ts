/** The benchmark's input files (subsets and repeats of dev_matched) and their token statistics. */
import { readFile, writeFile } from 'node:fs/promises';
import { loadTextDataset } from '../src/data/index.ts';
import { encodeInput } from '../src/encode/pairs.ts';
import { loadWordPieceTokenizer } from '../src/encode/tokenizer.ts';
import { paddingFraction, planBatches } from '../src/encode/bucketing.ts';
import { DEFAULT_BATCH_SIZE, WINDOW_ROWS } from '../src/backbones/text-extract.ts';
import type { TokenStats } from './results.ts';

const NAIVE_LENGTH = 128;

async function headerAndRows(source: string): Promise<[string, string[]]> {
  const [header, ...rows] = (await readFile(source, 'utf8')).trimEnd().split('\n');
  return [header, rows];
}

/** Every `every`-th pair of `source` (header kept): the length mix of the whole file at a fraction of the cost. */
export async function writeSubset(source: string, file: string, every: number): Promise<{ file: string; pairs: number }> {
  const [header, rows] = await headerAndRows(source);
  const kept = rows.filter((_, i) => i % every === 0);
  await writeFile(file, `${[header, ...kept].join('\n')}\n`);
  return { file, pairs: kept.length };
}

/** `source`'s pairs repeated (in order) until there are `pairs` of them. */
export async function writeRepeated(source: string, file: string, pairs: number): Promise<string> {
  const [header, rows] = await headerAndRows(source);
  const out = Array.from({ length: pairs }, (_, i) => rows[i % rows.length]);
  await writeFile(file, `${[header, ...out].join('\n')}\n`);
  return file;
}

/** Token counts of a pair file as TransferKit encodes it, and the padding of its batch plan vs padding to 128. */
export async function tokenStatistics(tokenizerDir: string, file: string): Promise<TokenStats> {
  const tokenizer = await loadWordPieceTokenizer({ location: tokenizerDir, offline: true });
  const dataset = await loadTextDataset(file, { requireLabels: false });
  const lengths = dataset.texts.map((text, i) => encodeInput(tokenizer, { text, textPair: dataset.textPairs?.[i] }, NAIVE_LENGTH).ids.length);
  // The plan extraction makes: length-sorted within windows of WINDOW_ROWS inputs.
  const batches = planBatches(lengths, { batchSize: DEFAULT_BATCH_SIZE, windowBatches: WINDOW_ROWS / DEFAULT_BATCH_SIZE });
  const realTokens = lengths.reduce((a, b) => a + b, 0);
  const shapes = new Set(batches.map((b) => `${b.length}x${Math.max(...b.map((i) => lengths[i]))}`));
  const slots = batches.reduce((sum, b) => sum + b.length * Math.max(...b.map((i) => lengths[i])), 0);
  return {
    pairs: lengths.length,
    realTokens,
    tkPadding: paddingFraction(lengths, batches),
    naivePadding: 1 - realTokens / (lengths.length * NAIVE_LENGTH),
    meanBatchTokens: slots / batches.length,
    batches: batches.length,
    distinctShapes: shapes.size,
  };
}
