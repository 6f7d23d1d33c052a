import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError } from '../errors.ts';
import { atomicWriteFile } from '../io/atomic.ts';
import { CONFIG_FLAGS, defaultFinetuneConfig, type FinetuneConfig } from './config.ts';

/** The settings a run was started with, kept beside its checkpoints so `--resume` needs no other flag. */
export const RUN_CONFIG_FILE = 'run-config.json';

export async function writeRunConfig(outputDir: string, config: FinetuneConfig): Promise<void> {
  const { resume: _resume, overwrite: _overwrite, force: _force, ...settings } = config;
  await atomicWriteFile(join(outputDir, RUN_CONFIG_FILE), JSON.stringify(settings, null, 2) + '\n');
}

/**
 * The saved settings of the run in `outputDir` over today's defaults (a field added since falls back to
 * its default); null when there is none. Flags given with --resume are applied on top by the caller.
 */
export async function readRunConfig(outputDir: string): Promise<FinetuneConfig | null> {
  const file = join(outputDir, RUN_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch (error) {
    throw inputError(`not valid JSON (${(error as Error).message}); delete it and give the run's flags with --resume`, { file });
  }
  const defaults = defaultFinetuneConfig();
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) throw inputError('expected a JSON object of run settings', { file });
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(saved)) {
    // Optional settings (tfBackend, maxTrainSamples, labelNames, …) have no default but are settings all the same.
    if (!(key in defaults) && !(key in CONFIG_FLAGS)) continue;
    const expected = typeof (defaults as unknown as Record<string, unknown>)[key];
    if (expected !== 'undefined' && typeof value !== expected && !(key === 'unfreezeTop' && value === 'all')) throw inputError(`setting '${key}' should be a ${expected}, got ${JSON.stringify(value)}`, { file });
    merged[key] = value;
  }
  return merged as unknown as FinetuneConfig;
}
