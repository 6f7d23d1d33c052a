/**
 * Finetune with backbone layers (--unfreeze-top): the split encoder, each split's inputs to its TF.js
 * top (lower-part states cached on disk within --cache-budget, else recomputed every epoch; token ids
 * when the whole encoder trains), and the features the head starts from.
 */
import type { LowerInputs, UnfreezeTop } from '../backbones/split/split-encoder.ts';
import { SplitEncoder } from '../backbones/split/split-encoder.ts';
import { RaggedStates } from '../backbones/split/ragged-states.ts';
import type { TextBackbone } from '../backbones/types.ts';
import type { FeatureExtractor, FeatureMatrix } from '../core/index.ts';
import type { Pooling, TextInput } from '../core/index.ts';
import type { RunSplit } from './splits.ts';
import { interruptedError, usageError } from '../errors.ts';
import { readCachedStates, writeCachedStates } from '../features/state-cache.ts';
import type { EncoderTraining } from '../train/fit.ts';
import type { FinetuneConfig } from './config.ts';
import type { Emit, TrainerControl } from '../train/events.ts';

export interface PreparedEncoder {
  training: EncoderTraining;
  /** Pooled features before any backbone update, per split (zeros when the head never trains alone). */
  features: Record<string, FeatureMatrix>;
  /** Bytes of lower-part states held (cached on disk), and the splits recomputed each epoch instead. */
  cachedBytes: number;
  recomputed: string[];
}

export function unfreezeTopOf(config: FinetuneConfig): UnfreezeTop | null {
  const top = config.unfreezeTop ?? 0;
  return top === 0 ? null : top;
}

export async function prepareEncoder(
  extractor: FeatureExtractor,
  top: UnfreezeTop,
  splits: Record<string, RunSplit>,
  config: FinetuneConfig,
  io: { emit: Emit; control?: TrainerControl },
): Promise<PreparedEncoder> {
  if (!isTextBackbone(extractor)) throw usageError('backbone layers can only be trained on a pretrained text backbone, not on a TransferKit model used as backbone', '--unfreeze-top');
  const split = await SplitEncoder.create(extractor, top);
  const inputs: Record<string, LowerInputs> = {};
  let budget = config.cacheBudget;
  let cachedBytes = 0;
  const recomputed: string[] = [];
  for (const [name, data] of Object.entries(splits)) {
    const encoded = extractor.encodeInputs(data.inputs as TextInput[], config.maxLength);
    if (!split.lower) {
      inputs[name] = { kind: 'tokens', encoded };
      continue;
    }
    const lengths = encoded.map((e) => e.ids.length);
    const bytes = RaggedStates.bytesFor(lengths, split.dim, config.cacheDtype);
    if (bytes > budget) {
      inputs[name] = { kind: 'recompute', encoded };
      recomputed.push(name);
      continue;
    }
    const key = { lower: split.lowerIdentity!, maxLength: config.maxLength, dataset: data.contentHash, dtype: config.cacheDtype };
    const startedAt = performance.now();
    let states = await readCachedStates(key, encoded.length, split.dim);
    const cached = states !== null;
    if (!states) {
      states = await split.computeStates(encoded, config.cacheDtype, config.extractBatchSize, (done, total) => {
        if (io.control?.stopRequested) throw interruptedError(`stopped while computing the lower layers' states of '${name}'`);
        const seconds = (performance.now() - startedAt) / 1000;
        io.emit({ type: 'extract-progress', split: name, done, total, perSecond: seconds > 0 ? done / seconds : 0, cached: false });
      });
      await writeCachedStates(key, states);
    }
    io.emit({ type: 'extract-end', split: name, total: encoded.length, seconds: (performance.now() - startedAt) / 1000, cached });
    budget -= bytes;
    cachedBytes += bytes;
    inputs[name] = { kind: 'states', states, encoded };
  }
  // finetune resolved 'auto' pooling before this point.
  const pooling = config.pooling as Pooling;
  const headAlone = (config.unfreezeAtEpoch ?? 0) > 0;
  const features: Record<string, FeatureMatrix> = {};
  for (const [name, lower] of Object.entries(inputs)) {
    const rows = lower.encoded.length;
    features[name] = headAlone ? await split.features(lower, pooling) : { rows, dim: split.dim, data: new Float32Array(rows * split.dim) };
  }
  const { train, ...validation } = inputs;
  return { training: { split, pooling, train: train!, validation, engine: config.trainEngine }, features, cachedBytes, recomputed };
}

function isTextBackbone(extractor: FeatureExtractor): extractor is TextBackbone {
  return typeof (extractor as TextBackbone).encodeInputs === 'function' && typeof (extractor as TextBackbone).modelPath === 'string';
}
