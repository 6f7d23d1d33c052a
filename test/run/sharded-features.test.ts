import { describe, expect, it } from 'vitest';
import { ChunkLayout } from '../../src/features/cache-entry.ts';
import { refuseMissingShards } from '../../src/run/sharded-features.ts';

describe("finetune over an entry a sharded run left incomplete", () => {
  const missing = { entryDir: '/cache/features/abc', layout: new ChunkLayout(9815, 1024), chunks: [7, 8, 9], shardPlans: [4] };

  it('stops, naming the rows, the shard and the command to run again, unless --extract-missing', () => {
    const refuse = refuseMissingShards('train', 'glue/mnli:train', 'bert-base-cased', false);
    expect(() => refuse(missing)).toThrow(
      "the features of 'train' (glue/mnli:train) in the shared cache /cache/features/abc are incomplete: rows 7168-9814 (shard 3/4) missing. " +
        'Run that shard again (transferkit extract --model bert-base-cased --data glue/mnli:train --shard 3/4), or pass --extract-missing to compute them in this run',
    );
    expect(() => refuseMissingShards('train', 'glue/mnli:train', 'bert-base-cased', true)(missing)).not.toThrow();
  });

  it('lets an entry that was never sharded (an interrupted finetune) simply continue', () => {
    expect(() => refuseMissingShards('train', 'x.tsv', 'm', false)({ ...missing, shardPlans: [] })).not.toThrow();
  });
});
