import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeMissing, parseShard, shardChunks, shardOfChunk, shardsToRerun } from '../../src/features/shards.ts';
import type { TransferKitError } from '../../src/errors.ts';
import { ChunkLayout } from '../../src/features/cache-entry.ts';
import { ENCODER_MODULES, encoderVersionOf, textEncoderVersion } from '../../src/encode/version.ts';

describe('shards', () => {
  it('parses I/N, and auto from the index variable of Kubernetes, AWS Batch or Slurm', () => {
    expect(parseShard('2/4', undefined)).toEqual({ index: 2, count: 4 });
    expect(parseShard(undefined, undefined)).toEqual({ index: 0, count: 1 });
    expect(parseShard('auto', '4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
    expect(parseShard('auto', '8', { AWS_BATCH_JOB_ARRAY_INDEX: '5' })).toEqual({ index: 5, count: 8 });
    expect(parseShard('auto', '2', { SLURM_ARRAY_TASK_ID: '0' })).toEqual({ index: 0, count: 2 });
    expect(() => parseShard('4/4', undefined)).toThrow(/0 <= I < N/);
    expect(() => parseShard('1of4', undefined)).toThrow(/must be I\/N/);
    expect(() => parseShard('auto', undefined, { JOB_COMPLETION_INDEX: '0' })).toThrow(/needs --shards N/);
    expect(() => parseShard('auto', '4', {})).toThrow(/JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID/);
    expect(() => parseShard('auto', '4', { SLURM_ARRAY_TASK_ID: '4' })).toThrow(/--array=0-3/);
    const flagOf = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as TransferKitError).line;
      }
    };
    expect(flagOf(() => parseShard('1/4', '4'))).toMatch(/^--shards: goes with --shard auto/);
    expect(flagOf(() => parseShard(undefined, '4'))).toMatch(/^--shards: goes with --shard auto/);
    expect(flagOf(() => parseShard('4/4', undefined))).toMatch(/^--shard: /);
  });

  it('cuts chunks into contiguous, disjoint ranges that cover every chunk, for any count', () => {
    for (const chunks of [1, 5, 10, 97]) {
      for (const count of [1, 2, 3, 4, 8, 16]) {
        const covered: number[] = [];
        for (let index = 0; index < count; index++) {
          const { first, end } = shardChunks({ index, count }, chunks);
          for (let c = first; c < end; c++) {
            covered.push(c);
            expect(shardOfChunk(c, count, chunks)).toBe(index);
          }
        }
        expect(covered).toEqual(Array.from({ length: chunks }, (_, i) => i));
      }
    }
    expect(shardChunks({ index: 1, count: 4 }, 10)).toEqual({ first: 2, end: 5 });
  });

  it('names missing rows by the shards that hold them', () => {
    const layout = new ChunkLayout(9815, 1024); // 10 chunks, the last one 599 rows
    // shards of 10 chunks: 0-1, 2-4, 5-6, 7-9
    expect(describeMissing([5, 4, 9], layout, [4])).toEqual(['rows 4096-6143 (shard 1/4, 2/4)', 'rows 9216-9814 (shard 3/4)']);
    expect(describeMissing([0], layout, [])).toEqual(['rows 0-1023']);
    expect(shardsToRerun([4, 5, 9], layout.chunkCount, [4])).toEqual([{ index: 1, count: 4 }, { index: 2, count: 4 }, { index: 3, count: 4 }]);
  });
});

describe('encoder version', () => {
  it('changes when the tokenization or truncation code or Transformers.js changes', () => {
    const src = resolve(import.meta.dirname, '../../src/encode');
    const copy = mkdtempSync(join(tmpdir(), 'tk-encoder-'));
    for (const name of ENCODER_MODULES) cpSync(join(src, `${name}.ts`), join(copy, `${name}.ts`));
    const version = encoderVersionOf(copy, '.ts', '4.3.2');
    expect(version).toBe(encoderVersionOf(src, '.ts', '4.3.2'));
    expect(encoderVersionOf(copy, '.ts', '4.3.3')).not.toBe(version);
    writeFileSync(join(copy, 'truncation.ts'), 'export const changed = true;\n', { flag: 'a' });
    expect(encoderVersionOf(copy, '.ts', '4.3.2')).not.toBe(version);
    expect(textEncoderVersion()).toMatch(/^text-[0-9a-f]{16}$/);
  });
});
