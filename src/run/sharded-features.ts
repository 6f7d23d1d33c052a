import { usageError } from '../errors.ts';
import type { MissingChunks } from '../features/cache.ts';
import { describeMissing, shardsToRerun } from '../features/shards.ts';

/**
 * The cache's beforeCompute for a finetune: an entry a sharded extraction left incomplete is not silently
 * finished here (its rows may be hours of backbone time, and a failed worker is something to know about);
 * the error names the rows and the shards to run again. Never-sharded entries (an interrupted finetune)
 * continue as always; --extract-missing computes the rest here.
 */
export function refuseMissingShards(split: string, source: string, model: string, extractMissing: boolean) {
  return (missing: MissingChunks): void => {
    if (extractMissing || missing.shardPlans.length === 0) return;
    const rerun = shardsToRerun(missing.chunks, missing.layout.chunkCount, missing.shardPlans);
    const commands = rerun.map((shard) => `transferkit extract --model ${model} --data ${source} --shard ${shard.index}/${shard.count}`);
    throw usageError(
      `the features of '${split}' (${source}) in the shared cache ${missing.entryDir} are incomplete: ${describeMissing(missing.chunks, missing.layout, missing.shardPlans).join(', ')} missing. ` +
        `Run ${rerun.length === 1 ? 'that shard' : 'those shards'} again (${commands.join('; ')}), or pass --extract-missing to compute them in this run`,
      '--extract-missing',
    );
  };
}
