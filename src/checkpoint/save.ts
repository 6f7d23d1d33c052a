import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteDir } from '../io/atomic.ts';
import type { Head } from '../heads/head.ts';
import type { TrainConfig } from '../train/config.ts';
import type { OptimizerState } from '../train/optimizers.ts';
import type { TrainerState } from '../train/state.ts';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  MANIFEST_FILE,
  OPTIMIZER_FILE,
  WEIGHTS_FILE,
  type CheckpointManifest,
  type FeatureSource,
} from './manifest.ts';
import { packTensors } from './tensors.ts';
import { versions } from './versions.ts';

export interface CheckpointContent {
  head: Head;
  labelNames: string[];
  source: FeatureSource;
  training: TrainConfig | null;
  metrics: CheckpointManifest['metrics'];
  epoch: number;
  step: number;
  tfBackend: string;
  /** Given for `last` checkpoints, so the run can be resumed. */
  resume?: { optimizer: OptimizerState; trainer: TrainerState };
}

/** Writes a checkpoint directory atomically: a reader sees the previous checkpoint or the whole new one. */
export async function saveCheckpoint(dir: string, content: CheckpointContent): Promise<CheckpointManifest> {
  const weights = packTensors(await content.head.readWeights());
  const optimizer = content.resume ? packTensors(content.resume.optimizer.slots) : null;
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    backbone: content.source.backbone,
    pooling: content.source.pooling,
    maxLength: content.source.maxLength,
    ...(content.source.data ? { data: content.source.data } : {}),
    ...(content.source.standardize ? { standardize: content.source.standardize } : {}),
    labelNames: content.labelNames,
    head: content.head.spec,
    training: content.training,
    metrics: content.metrics,
    epoch: content.epoch,
    step: content.step,
    tfBackend: content.tfBackend,
    versions: versions(),
    weights: { file: WEIGHTS_FILE, byteLength: weights.bytes.length, sha256: weights.sha256, tensors: weights.entries },
    resume:
      content.resume && optimizer
        ? {
            optimizer: {
              file: OPTIMIZER_FILE,
              byteLength: optimizer.bytes.length,
              sha256: optimizer.sha256,
              tensors: optimizer.entries,
              kind: content.resume.optimizer.kind,
              step: content.resume.optimizer.step,
            },
            trainer: content.resume.trainer,
          }
        : null,
  };
  await atomicWriteDir(dir, async (tmp) => {
    await writeFile(join(tmp, WEIGHTS_FILE), weights.bytes);
    if (optimizer) await writeFile(join(tmp, OPTIMIZER_FILE), optimizer.bytes);
    await writeFile(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  });
  return manifest;
}
