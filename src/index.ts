/** TransferKit's public API: everything the CLI does, a program can do. */
export { TransferKitError, type ErrorKind, type ErrorWhere } from './errors.ts';

// data
export { loadTextDataset, MNLI_LABELS, formatSkipSummary, type LoadTextOptions, type TextDataset, type SkippedRows } from './data/index.ts';
export { bundledDataset } from './data/bundled.ts';
export { loadImageDataset, listImageInputs, CIFAR10_LABELS, type ImageDataset, type LoadImageOptions } from './data/images/index.ts';

// encode
export { encodeInput, type EncodedInput } from './encode/pairs.ts';
export { longestFirstLengths } from './encode/truncation.ts';
export { planBatches, paddingFraction } from './encode/bucketing.ts';

// the modality-neutral core: inputs, feature matrices, the extractor interface
export type { TextInput, ImageInput, RawImageLike, Modality, FeatureMatrix, FeatureExtractor, Pooling, DeviceChoice, ExtractOptions, BackboneReference, ModelDtype } from './core/index.ts';
export { MODEL_DTYPES, POOLINGS, Rng } from './core/index.ts';

// backbones
export { loadTextBackbone, type LoadTextBackboneOptions } from './backbones/load.ts';
export { resolveDevice, DEVICE_CHOICES } from './backbones/device.ts';
export type { TextBackbone, AttentionResult } from './backbones/types.ts';
export { addAttentionOutputs } from './backbones/onnx/attention-outputs.ts';
export { quantizeModel, QUANTIZED_MODEL_FILE, type QuantizeModelOptions, type QuantizeModelResult } from './backbones/quantize-model.ts';
export type { QuantizedForm } from './backbones/onnx/quantize.ts';
export { makeBertModel, ensureTinyBert, TINY_BERT, type BertOptions } from './fixtures/bert.ts';
export { loadImageBackbone, type LoadImageBackboneOptions } from './backbones/load-image.ts';
export { ImageBackbone } from './backbones/image.ts';
export { makeResNetModel, TINY_RESNET, RESNET50, type ResNetOptions } from './fixtures/resnet.ts';
export { makeViTModel, TINY_VIT, VIT_BASE, type ViTOptions } from './fixtures/vit.ts';
export { fitStandardization, standardize, type Standardization } from './features/standardize.ts';

// features
export { cachedFeatures, cachedShard, extractWithCache, extractShardWithCache, clearFeatureCache, defaultFeatureCacheDir, type FeatureCacheKey } from './features/cache.ts';
export { cacheStatus, type EntryStatus } from './features/cache-report.ts';
export { parseShard, shardChunks, type Shard } from './features/shards.ts';

// heads and training
export { initTf, TF_BACKENDS } from './heads/backend.ts';
export { Head } from './heads/head.ts';
export type { HeadConfig, HeadSpec } from './heads/config.ts';
export { fit, defaultTrainConfig, evaluate, predictProbabilities, penultimateFeatures, computeMetrics, type FitOptions, type FitResult, type LabelledFeatures, type TrainConfig, type EncoderTraining } from './train/index.ts';
export { LONG_EPOCH_SECONDS, type EpochEstimate } from './train/estimate.ts';
// training backbone layers too (fit's `encoder`; runFinetune's unfreezeTop does all of it for you)
export { SplitEncoder, type UnfreezeTop, type LowerInputs } from './backbones/split/split-encoder.ts';
export { TrainerControl, fanOut, type RunEvent, type Reporter, type Metrics, type RunResults, type Emit } from './train/events.ts';

// checkpoints and models
export { saveCheckpoint } from './checkpoint/save.ts';
export { checkpointFolder } from './checkpoint/folder-store.ts';
export { loadCheckpoint } from './checkpoint/load.ts';
export { TransferModel, type Prediction, type LoadModelOptions } from './model/transfer-model.ts';

// the Hugging Face hub
export { pushCheckpoint, type PushOptions, type PushResult } from './checkpoint/push.ts';
export { pullModel, type PullModelOptions, type PullResult } from './checkpoint/pull.ts';
export { modelCard } from './checkpoint/model-card.ts';

// reporters
export { PlainReporter, JsonlReporter, createReporter } from './report/index.ts';

// export
export { encodeNpy, decodeNpy, writeNpy } from './export/npy.ts';
export { dumpAttention, type AttentionDumpOptions } from './export/attention-run.ts';
export { exportOnnx, type ExportOnnxOptions, type ExportOnnxResult } from './export/onnx/export.ts';

// the scripted run
export { runFinetune, type FinetuneOutcome, type FinetuneIO } from './run/finetune.ts';
export { runExtract, type ExtractConfig, type ExtractOutcome } from './run/extract.ts';
export { defaultFinetuneConfig, taskDefaults, resolveEpochs, TASKS, BUNDLED_MODEL, type FinetuneConfig, type Task } from './run/config.ts';
