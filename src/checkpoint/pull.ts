import { dirname } from 'node:path';
import { MODEL_ALIASES, resolveModelSource } from '../backbones/hub.ts';
import { pinnedRevision } from '../backbones/hub-identity.ts';
import type { DeviceChoice } from '../core/index.ts';
import { loadCheckpoint } from './load.ts';
import { BUNDLED_MODEL } from '../fixtures/bert.ts';
import { pullIfCheckpoint } from './hub.ts';
import { parseHubRepo } from '../hub/repo-ref.ts';
import type { HubSettingsOptions } from '../hub/settings.ts';

export interface PullModelOptions extends HubSettingsOptions {
  revision?: string;
  device?: DeviceChoice;
  onProgress?: (done: number, total: number) => void;
}

export interface PullResult {
  kind: 'checkpoint' | 'backbone';
  repo: string;
  revision: string;
  /** The local folder (the checkpoint's cache snapshot, or the backbone's Transformers.js cache folder). */
  path: string;
  /** The backbone a checkpoint names, now cached too. */
  backbone?: string;
}

/**
 * `transferkit pull`: a TransferKit checkpoint repository (and the backbone its manifest names), or a
 * Transformers.js backbone, into the cache, so later runs need no network.
 */
export async function pullModel(given: string, options: PullModelOptions = {}): Promise<PullResult> {
  const alias = MODEL_ALIASES[given];
  const ref = parseHubRepo(alias ?? given, 'OWNER/NAME');
  if (options.revision !== undefined) ref.revision = options.revision;
  const dir = alias ? null : await pullIfCheckpoint(ref, options);
  if (dir === null) {
    const path = await fetchBackbone(alias ? given : ref.repo, ref.revision, options);
    return { kind: 'backbone', ...ref, path };
  }
  const { backbone } = (await loadCheckpoint(dir)).manifest;
  if (backbone && backbone.model !== BUNDLED_MODEL && !backbone.checkpoint) await fetchBackbone(backbone.model, pinnedRevision(backbone) ?? 'main', options);
  return { kind: 'checkpoint', ...ref, path: dir, ...(backbone ? { backbone: backbone.model } : {}) };
}

/** Loads the backbone once (Transformers.js downloads what it lacks into its cache), then lets it go; returns its cache folder. */
export async function fetchBackbone(model: string, revision: string, options: Pick<PullModelOptions, 'device' | 'onProgress'>): Promise<string> {
  const { loadTextBackbone } = await import('../backbones/load.ts'); // ONNX Runtime only when a backbone is pulled
  const source = resolveModelSource(model, { revision });
  const backbone = await loadTextBackbone(model, {
    ...(source.kind === 'hub' ? { revision } : {}),
    device: options.device,
    onProgress: (info) => {
      const progress = info as { status?: string; loaded?: number; total?: number };
      if (progress.status === 'progress' && progress.loaded !== undefined && progress.total) options.onProgress?.(progress.loaded, progress.total);
    },
  });
  await backbone.dispose();
  // A hub model's files sit in its commit's folder (backbones/hub-commit.ts): modelPath is <folder>/onnx/model.onnx.
  return dirname(dirname(backbone.modelPath));
}
