import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '../errors.ts';
import type { CheckpointSlot, CheckpointStore, SavedTraining, TrainingSnapshot } from '../train/checkpoints.ts';
import { loadCheckpoint } from './load.ts';
import { BEST_DIR, LAST_DIR, MANIFEST_FILE, type FeatureSource } from './manifest.ts';
import { saveCheckpoint } from './save.ts';

const SLOT_DIRS: Record<CheckpointSlot, string> = { best: BEST_DIR, last: LAST_DIR };

/**
 * fit's checkpoints as `<dir>/best` and `<dir>/last`, each recording `source` (backbone, pooling, max
 * length, data) so the model can be rebuilt for prediction and a resume with other features is refused.
 */
export function checkpointFolder(dir: string, given: Partial<FeatureSource> = {}): CheckpointStore {
  const source: FeatureSource = {
    backbone: given.backbone ?? null,
    pooling: given.pooling ?? null,
    maxLength: given.maxLength ?? null,
    ...(given.data ? { data: given.data } : {}),
    ...(given.standardize ? { standardize: given.standardize } : {}),
  };
  const pathOf = (slot: CheckpointSlot) => join(dir, SLOT_DIRS[slot]);
  return {
    existing: (slot) => (existsSync(join(pathOf(slot), MANIFEST_FILE)) ? pathOf(slot) : undefined),
    async save(slot: CheckpointSlot, snapshot: TrainingSnapshot) {
      await saveCheckpoint(pathOf(slot), { ...snapshot, source });
      return pathOf(slot);
    },
    async loadLast(): Promise<SavedTraining> {
      const path = pathOf('last');
      if (!existsSync(join(path, MANIFEST_FILE))) throw usageError(`nothing to resume: ${path} holds no checkpoint`, '--resume');
      const loaded = await loadCheckpoint(path, { withResumeState: true });
      const { manifest } = loaded;
      if (!manifest.resume || !loaded.optimizer) throw usageError(`${path} has no resume state (it is an inference-only checkpoint)`, '--resume');
      // Same head shape is not enough: features from another backbone, pooling or max length would
      // silently continue a different run.
      const featureChanges = [
        manifest.backbone?.identity !== source.backbone?.identity ? 'backbone' : null,
        manifest.pooling !== source.pooling ? 'pooling' : null,
        manifest.maxLength !== source.maxLength ? 'max length' : null,
        JSON.stringify(manifest.standardize ?? null) !== JSON.stringify(source.standardize ?? null) ? 'standardization' : null,
      ].filter((change) => change !== null);
      if (featureChanges.length > 0) throw usageError(`cannot resume: the features differ from the interrupted run's (${featureChanges.join(', ')})`, '--resume');
      return {
        path,
        head: manifest.head,
        labelNames: manifest.labelNames,
        training: manifest.training,
        metrics: manifest.metrics,
        weights: loaded.weights,
        backbone: loaded.backbone,
        optimizer: loaded.optimizer,
        trainer: manifest.resume.trainer,
        tfBackend: manifest.tfBackend,
      };
    },
  };
}
