import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBranch, createRepo, HubApiError, uploadFiles } from '@huggingface/hub';
import { runtimeError, usageError } from '../errors.ts';
import { loadCheckpoint } from './load.ts';
import { MANIFEST_FILE } from './manifest.ts';
import { describeNetworkError } from '../hub/download.ts';
import { hubApiError } from '../hub/errors.ts';
import { modelCard } from './model-card.ts';
import { parseHubRepo } from '../hub/repo-ref.ts';
import { hubSettings, requireToken, type HubSettingsOptions } from '../hub/settings.ts';

export interface PushOptions extends HubSettingsOptions {
  /** A checkpoint folder, or a run's checkpoint/ or output folder (its best/, else last/). */
  checkpoint: string;
  /** OWNER/NAME */
  repo: string;
  private?: boolean;
  /** The branch to commit to (created from main when missing); default main. */
  revision?: string;
  commitMessage?: string;
}

export interface PushResult {
  repo: string;
  revision: string;
  commit: string;
  url: string;
  files: string[];
}

/**
 * Uploads a checkpoint and its generated model card (README.md) in one commit, creating the repository
 * (and the branch) when missing. @huggingface/hub decides which files go through LFS (the hub's preupload
 * answer: binaries such as weights.bin do). The token goes only into Authorization headers.
 */
export async function pushCheckpoint(options: PushOptions): Promise<PushResult> {
  const { repo } = parseHubRepo(options.repo, '--repo');
  const revision = options.revision ?? 'main';
  const settings = hubSettings(options);
  const accessToken = requireToken(settings);
  const loaded = await loadCheckpoint(options.checkpoint);
  const { manifest } = loaded;
  const backbone = manifest.backbone;
  if (backbone && (backbone.checkpoint || backbone.model.startsWith('/'))) {
    throw usageError(
      `this checkpoint's backbone is the local ${backbone.checkpoint ? 'checkpoint' : 'folder'} ${backbone.checkpoint ?? backbone.model}, which nobody else can load; ` +
        'train on a hub model (e.g. bert-base-cased) or bundled:tiny-bert to share it',
      '--checkpoint',
    );
  }
  const binaries = [
    manifest.weights.file,
    // Trained backbone layers (format 2): without them the checkpoint would load with the original layers.
    ...(manifest.backboneWeights ? [manifest.backboneWeights.file] : []),
    ...(manifest.resume ? [manifest.resume.optimizer.file] : []),
  ];
  const files = [
    { path: 'README.md', content: new Blob([modelCard(manifest, repo)]) },
    ...(await Promise.all([MANIFEST_FILE, ...binaries].map(async (path) => ({ path, content: new Blob([await readFile(join(loaded.dir, path))]) })))),
  ];
  const common = { hubUrl: settings.endpoint, accessToken, repo: { type: 'model' as const, name: repo } };
  try {
    await ignoreConflict(createRepo({ ...common, private: options.private }));
    if (revision !== 'main') await ignoreConflict(createBranch({ ...common, branch: revision }));
    const output = await uploadFiles({
      ...common,
      branch: revision,
      files,
      commitTitle: options.commitMessage ?? `Upload TransferKit checkpoint (${manifest.head.type} head, epoch ${manifest.epoch})`,
    });
    const commit = output?.commit.oid ?? '';
    return { repo, revision, commit, url: `${settings.endpoint}/${repo}${revision === 'main' ? '' : `/tree/${revision}`}`, files: files.map((f) => f.path) };
  } catch (error) {
    if (error instanceof HubApiError) throw hubApiError('model', repo, settings, error);
    throw runtimeError(`pushing to ${settings.endpoint}/${repo} failed: ${describeNetworkError(error)}`, {}, error);
  }
}

/** 409: the repository (or branch) is already there, which is fine: the commit goes on top. */
async function ignoreConflict(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof HubApiError && error.statusCode === 409)) throw error;
  }
}
