/**
 * Sharded extraction: shard I of N is a fixed, contiguous range of an entry's chunks, so any number of
 * workers (a Kubernetes Indexed Job, an AWS Batch or Slurm array) split one entry without talking to each
 * other, and a shard re-run finds its chunks on disk.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../errors.ts';
import { atomicWriteFile } from '../io/atomic.ts';
import { withLock } from './cache-lock.ts';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** Where each engine puts a worker's 0-based index: Kubernetes Indexed Jobs, AWS Batch array jobs, Slurm arrays. */
export const SHARD_INDEX_VARIABLES = ['JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX', 'SLURM_ARRAY_TASK_ID'] as const;

/** `--shard I/N`, or `--shard auto --shards N` (the index from the environment); neither: the whole entry. */
export function parseShard(shard: string | undefined, shards: string | undefined, env: NodeJS.ProcessEnv = process.env): Shard {
  if (shard === undefined) {
    if (shards !== undefined) throw usageError('goes with --shard auto (the index from JOB_COMPLETION_INDEX and the like)', '--shards');
    return { index: 0, count: 1 };
  }
  if (shard === 'auto') {
    const count = Number(shards);
    if (shards === undefined) throw usageError('auto needs --shards N (the number of workers)', '--shard');
    if (!Number.isInteger(count) || count < 1) throw usageError(`must be a whole number >= 1, got '${shards}'`, '--shards');
    const source = SHARD_INDEX_VARIABLES.find((name) => env[name] !== undefined && env[name] !== '');
    if (!source) throw usageError(`auto reads the worker index from ${SHARD_INDEX_VARIABLES.join(', ')}, and none is set; give --shard I/${count} instead`, '--shard');
    const index = Number(env[source]);
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw usageError(`auto: ${source}=${env[source]} is not a worker index 0..${count - 1} for --shards ${count}${source === 'SLURM_ARRAY_TASK_ID' ? ' (number the Slurm array from 0: --array=0-' + (count - 1) + ')' : ''}`, '--shard');
    }
    return { index, count };
  }
  if (shards !== undefined) throw usageError('goes with --shard auto; --shard I/N names the count itself', '--shards');
  const match = /^(\d+)\/(\d+)$/.exec(shard);
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!match || count < 1 || index >= count) throw usageError(`must be I/N with 0 <= I < N (e.g. 0/4), or auto; got '${shard}'`, '--shard');
  return { index, count };
}

/** The chunks [first, end) of shard `index` of `count`: contiguous, as even as whole chunks allow. */
export function shardChunks(shard: Shard, chunkCount: number): { first: number; end: number } {
  return { first: Math.floor((shard.index * chunkCount) / shard.count), end: Math.floor(((shard.index + 1) * chunkCount) / shard.count) };
}

/** The shard (of `count`) whose range holds chunk `chunk`. */
export function shardOfChunk(chunk: number, count: number, chunkCount: number): number {
  for (let index = 0; index < count; index++) {
    const { first, end } = shardChunks({ index, count }, chunkCount);
    if (chunk >= first && chunk < end) return index;
  }
  throw new RangeError(`chunk ${chunk} is outside 0..${chunkCount - 1}`);
}

const planFile = (count: number) => `shards-${count}.json`;

/**
 * Records that a sharded run splits this entry in `count` shards (one file per count, the same bytes from
 * every worker: no shared file is rewritten with different content), so a finetune can name a missing shard.
 */
export async function recordShardPlan(entryDir: string, count: number): Promise<void> {
  const file = join(entryDir, planFile(count));
  if (existsSync(file)) return;
  // Under its lock, so a temp file a killed worker left for it is cleared by the next one.
  await withLock(file, () => atomicWriteFile(file, `${JSON.stringify({ shards: count })}\n`));
}

/** The shard counts sharded runs recorded for an entry, smallest first. */
export async function shardPlans(entryDir: string): Promise<number[]> {
  const names = await readdir(entryDir).catch(() => [] as string[]);
  return names.flatMap((name) => /^shards-(\d+)\.json$/.exec(name)?.[1] ?? []).map(Number).sort((a, b) => a - b);
}

/** Chunk indices as contiguous runs: [0,1,2,5] → [[0,3],[5,6]]. */
export function chunkRuns(chunks: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const chunk of [...chunks].sort((a, b) => a - b)) {
    const last = runs.at(-1);
    if (last && last[1] === chunk) last[1] = chunk + 1;
    else runs.push([chunk, chunk + 1]);
  }
  return runs;
}

/**
 * Missing chunks as the user acts on them: `rows 2048-3071 (shard 2/4)`, one part per contiguous run,
 * naming the shard(s) of each recorded plan that cover it.
 */
export function describeMissing(chunks: number[], layout: { chunkCount: number; start(i: number): number; end(i: number): number }, plans: number[]): string[] {
  return chunkRuns(chunks).map(([first, end]) => {
    const rows = `rows ${layout.start(first)}-${layout.end(end - 1) - 1}`;
    const named = plans.map((count) => {
      const shards = [...new Set(Array.from({ length: end - first }, (_, i) => shardOfChunk(first + i, count, layout.chunkCount)))];
      return shards.map((index) => `${index}/${count}`).join(', ');
    });
    return named.length > 0 ? `${rows} (shard ${named.join('; ')})` : rows;
  });
}

/** The shards of the largest recorded plan that hold any of `chunks`: what to run again. */
export function shardsToRerun(chunks: number[], chunkCount: number, plans: number[]): Shard[] {
  const count = plans.at(-1);
  if (count === undefined) return [];
  return [...new Set(chunks.map((chunk) => shardOfChunk(chunk, count, chunkCount)))].sort((a, b) => a - b).map((index) => ({ index, count }));
}
