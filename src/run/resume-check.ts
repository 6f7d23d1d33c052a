import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '../errors.ts';
import { findCheckpointDir, readCheckpointManifest } from '../checkpoint/load.ts';
import { LAST_DIR } from '../checkpoint/manifest.ts';
import { checkResumeBackend, checkResumeTraining } from '../train/resume-check.ts';
import type { TrainConfig } from '../train/config.ts';
import type { FinetuneConfig } from './config.ts';
import { readRunConfig } from './run-config.ts';

/** Settings a resumed run may change: where and how it runs, not what it computes. */
const FREE_ON_RESUME: ReadonlySet<string> = new Set<keyof FinetuneConfig>(['device', 'extractBatchSize', 'tfBackend', 'outputDir', 'resume', 'overwrite', 'offline', 'lenient', 'force', 'extractMissing']);

/**
 * Everything --resume can check before data, a model or features are loaded (for MNLI that is hours):
 * the settings against run-config.json, the training settings, pooling and max length against the last
 * checkpoint, whether the run is finished, and the TF.js backend. Reads only.
 */
export async function checkResume(config: FinetuneConfig, training: TrainConfig, outputDir: string, checkpointDir: string, tfBackend: string): Promise<void> {
  if (config.overwrite) throw usageError('cannot be combined with --overwrite-output-dir: resume continues the run, overwrite replaces it; choose one', '--resume');
  const last = join(checkpointDir, LAST_DIR);
  if (!findCheckpointDir(last)) throw usageError(`nothing to resume: ${last} holds no checkpoint`, '--resume');
  const { manifest } = await readCheckpointManifest(last);

  const changed: string[] = [];
  const saved = await readRunConfig(outputDir);
  if (saved) {
    for (const key of new Set([...Object.keys(saved), ...Object.keys(config)])) {
      if (FREE_ON_RESUME.has(key)) continue;
      const [then, now] = [(saved as unknown as Record<string, unknown>)[key], (config as unknown as Record<string, unknown>)[key]];
      if (JSON.stringify(then) !== JSON.stringify(now)) changed.push(`${key}: ${JSON.stringify(then)} then, ${JSON.stringify(now)} now`);
    }
  } else if (!findCheckpointDir(config.model)) {
    // No run-config.json (a run from an older version): the checkpoint still records the feature settings.
    if (manifest.pooling !== config.pooling) changed.push(`pooling: ${JSON.stringify(manifest.pooling)} then, ${JSON.stringify(config.pooling)} now`);
    if (manifest.maxLength !== config.maxLength) changed.push(`maxLength: ${manifest.maxLength} then, ${config.maxLength} now`);
  }
  if (changed.length > 0) {
    throw usageError(`cannot resume: settings differ from the interrupted run (${changed.join('; ')}); resume with only --output-dir and --resume to take its saved settings`, '--resume');
  }
  checkResumeTraining(manifest.training, training);

  const trainer = manifest.resume?.trainer;
  const epochs = manifest.training?.epochs ?? Infinity;
  const results = join(outputDir, 'results.json');
  if (trainer && (trainer.epoch >= epochs || trainer.stoppedEarly) && existsSync(results)) {
    throw usageError(
      `the run in ${outputDir} is finished (${trainer.epoch}/${epochs} epochs${trainer.stoppedEarly ? ', stopped early' : ''}); its results are in ${results}. Nothing to resume: --overwrite-output-dir runs it again`,
      '--resume',
    );
  }
  checkResumeBackend(manifest.tfBackend, tfBackend, config.force);
}
