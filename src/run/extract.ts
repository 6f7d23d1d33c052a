import { extractShardWithCache, type CachedShard } from '../features/cache.ts';
import type { Shard } from '../features/shards.ts';
import type { FinetuneConfig } from './config.ts';
import { featureSettings, loadExtractor, type ExtractorConfig } from './extractor.ts';
import { offlineOption } from './run-data.ts';
import { loadRunSplit } from './splits.ts';

/** What `transferkit extract` needs: the finetune settings that decide the features, and one data source. */
export interface ExtractConfig extends ExtractorConfig, Pick<FinetuneConfig, 'pooling' | 'maxLength' | 'extractBatchSize' | 'labelNames' | 'lenient'> {
  data: string;
  /** As finetune's --max-train-samples / --max-eval-samples: the same rows, so the same cache entry. */
  maxSamples?: number;
  shard: Shard;
  /** Rows per chunk when the entry is new. */
  chunkRows?: number;
}

export interface ExtractOutcome extends CachedShard {
  rows: number;
  backbone: string;
  seconds: number;
}

/**
 * Fills one shard (or all) of the feature cache entry a finetune over the same data and settings will
 * read: the data is loaded and the backbone resolved exactly as finetune does, so the keys are the same.
 */
export async function runExtract(config: ExtractConfig, onProgress?: (done: number, total: number) => void): Promise<ExtractOutcome> {
  const data = await loadRunSplit(config.task, config.data, {
    maxSamples: config.maxSamples,
    lenient: config.lenient,
    offline: offlineOption(config),
    ...(config.labelNames ? { labelNames: config.labelNames } : {}),
  });
  const extractor = await loadExtractor(config);
  try {
    const { pooling, maxLength } = featureSettings(config, extractor);
    const started = performance.now();
    const result = await extractShardWithCache(
      extractor,
      data.inputs,
      { pooling, maxLength, batchSize: config.extractBatchSize, datasetHash: data.contentHash, chunkRows: config.chunkRows, onProgress },
      config.shard,
    );
    return { ...result, rows: data.inputs.length, backbone: extractor.identity, seconds: (performance.now() - started) / 1000 };
  } finally {
    await extractor.dispose();
  }
}
