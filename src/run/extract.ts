import { extractShardWithCache, type CachedShard } from '../features/cache.ts';
import type { Shard } from '../features/shards.ts';
import type { FinetuneConfig } from './config.ts';
import { featureSettings, loadExtractor, type ExtractorConfig } from './extractor.ts';
import { offlineOption } from './run-data.ts';
import { loadRunSplit, type RunSplit } from './splits.ts';

/** What `transferkit extract` needs: the finetune settings that decide the features, and one data source. */
export interface ExtractConfig extends ExtractorConfig, Pick<FinetuneConfig, 'pooling' | 'maxLength' | 'extractBatchSize' | 'labelNames' | 'lenient'> {
  /** Data sources (the training set and each validation set), each sharded on its own; the model loads once. */
  data: string[];
  /** As finetune's --max-train-samples / --max-eval-samples: the same rows, so the same cache entry. */
  maxSamples?: number;
  shard: Shard;
  /** Rows per chunk when the entry is new. */
  chunkRows?: number;
}

export interface ExtractOutcome extends CachedShard {
  source: string;
  rows: number;
  backbone: string;
  seconds: number;
}

/**
 * Fills one shard (or all) of the feature cache entry a finetune over the same data and settings will
 * read: the data is loaded and the backbone resolved exactly as finetune does, so the keys are the same.
 */
export async function runExtract(config: ExtractConfig, onProgress?: (source: string) => ((done: number, total: number) => void) | undefined): Promise<ExtractOutcome[]> {
  // Every source is read first: a bad file fails before the model loads and before any backbone time.
  const sources: { source: string; data: RunSplit }[] = [];
  for (const source of config.data) {
    sources.push({
      source,
      data: await loadRunSplit(config.task, source, {
        maxSamples: config.maxSamples,
        lenient: config.lenient,
        offline: offlineOption(config),
        // As in finetune, the first source (the training set) decides the classes of the others.
        ...((config.labelNames ?? sources[0]?.data.labelNames) ? { labelNames: config.labelNames ?? sources[0]!.data.labelNames } : {}),
      }),
    });
  }
  const extractor = await loadExtractor(config);
  try {
    const { pooling, maxLength } = featureSettings(config, extractor);
    const outcomes: ExtractOutcome[] = [];
    for (const { source, data } of sources) {
      const started = performance.now();
      const options = { pooling, maxLength, batchSize: config.extractBatchSize, datasetHash: data.contentHash, chunkRows: config.chunkRows, onProgress: onProgress?.(source) };
      const result = await extractShardWithCache(extractor, data.inputs, options, config.shard);
      outcomes.push({ ...result, source, rows: data.inputs.length, backbone: extractor.identity, seconds: (performance.now() - started) / 1000 });
    }
    return outcomes;
  } finally {
    await extractor.dispose();
  }
}
