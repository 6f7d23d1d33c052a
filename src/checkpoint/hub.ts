import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getRepoFolderName, HubApiError, listFiles, modelInfo } from '@huggingface/hub';
import { inputError, runtimeError } from '../errors.ts';
import { atomicWriteFile } from '../io/atomic.ts';
import { MANIFEST_FILE } from './manifest.ts';
import { cachedSnapshot } from '../data/hub-files.ts';
import { describeNetworkError, downloadToCache } from '../hub/download.ts';
import { hubApiError } from '../hub/errors.ts';
import type { HubRepoRef } from '../hub/repo-ref.ts';
import { hubSettings, type HubSettings, type HubSettingsOptions } from '../hub/settings.ts';

export interface PullOptions extends HubSettingsOptions {
  /** Bytes of the whole checkpoint so far, and its total. */
  onProgress?: (done: number, total: number) => void;
  /** Milliseconds before retrying a dropped download (tests make it short). */
  retryDelayMs?: number;
}

/**
 * The checkpoint in a hub repository, downloaded into the Hugging Face cache (`snapshots/<commit>/`,
 * with `refs/<revision>` naming it) and returned as that local folder. Offline (`HF_HUB_OFFLINE=1` or
 * --offline), or when the hub cannot be reached, the cached snapshot is used; without one, the error
 * says where it looked.
 */
export async function pullCheckpoint(ref: HubRepoRef, options: PullOptions = {}): Promise<string> {
  const dir = await pullIfCheckpoint(ref, options);
  if (dir === null) throw inputError(`hub repository ${ref.repo}@${ref.revision} holds no TransferKit checkpoint (${MANIFEST_FILE} is missing); push one with transferkit push`);
  return dir;
}

/** pullCheckpoint, or null (nothing downloaded) when the repository is reachable but holds no checkpoint. */
export async function pullIfCheckpoint(ref: HubRepoRef, options: PullOptions = {}): Promise<string | null> {
  const settings = hubSettings(options);
  const label = `${ref.repo}@${ref.revision}`;
  if (settings.offline) return cachedCheckpoint(ref, settings, `offline mode is on (--offline or HF_HUB_OFFLINE=1) and`);
  let commit: string;
  let files: { path: string; size: number }[];
  try {
    const common = { hubUrl: settings.endpoint, accessToken: settings.token };
    commit = (await modelInfo({ ...common, name: ref.repo, revision: ref.revision, additionalFields: ['sha'] })).sha;
    files = [];
    for await (const entry of listFiles({ ...common, repo: { type: 'model', name: ref.repo }, revision: commit, recursive: true })) {
      if (entry.type === 'file') files.push({ path: entry.path, size: entry.lfs?.size ?? entry.size });
    }
  } catch (error) {
    if (error instanceof HubApiError) throw hubApiError('model', label, settings, error);
    return cachedCheckpoint(ref, settings, `the hub at ${settings.endpoint} cannot be reached (${describeNetworkError(error)}) and`);
  }
  if (!files.some((file) => file.path === MANIFEST_FILE)) return null;
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let done = 0;
  let snapshot = '';
  for (const file of files) {
    const path = await downloadFile(settings, ref, label, commit, file.path, (bytes) => options.onProgress?.(done + bytes, total), options.retryDelayMs);
    snapshot = path.slice(0, path.length - file.path.length - 1);
    done += file.size;
    options.onProgress?.(done, total);
  }
  // The ref lets a later offline run find this snapshot, as huggingface_hub's cache layout expects.
  await atomicWriteFile(join(storageFolder(ref, settings), 'refs', ref.revision), commit);
  return snapshot;
}

async function downloadFile(settings: HubSettings, ref: HubRepoRef, label: string, commit: string, path: string, onBytes: (bytes: number) => void, retryDelayMs?: number): Promise<string> {
  try {
    return await downloadToCache(settings, { repo: { type: 'model', name: ref.repo }, path, commit, onBytes, retryDelayMs });
  } catch (error) {
    if (error instanceof HubApiError) throw hubApiError('model', label, settings, error);
    throw runtimeError(`downloading ${path} of ${label} from ${settings.endpoint} failed: ${describeNetworkError(error)} (the cache holds no partial file; run again to retry)`, {}, error);
  }
}

const storageFolder = (ref: HubRepoRef, settings: HubSettings) => join(settings.cacheDir, getRepoFolderName({ type: 'model', name: ref.repo }));

async function cachedCheckpoint(ref: HubRepoRef, settings: HubSettings, why: string): Promise<string> {
  const folder = storageFolder(ref, settings);
  const { snapshot, ref: refFile, unreferenced } = await cachedSnapshot(folder, ref.revision);
  if (snapshot && existsSync(join(snapshot, MANIFEST_FILE))) return snapshot;
  if (!snapshot && unreferenced.length > 0) {
    // Taking the newest snapshot of any revision would be a silent guess (issue 10).
    throw inputError(`${why} the cache has no ${refFile}, so none of its snapshots (${unreferenced.join(', ')}) is known to be ${ref.repo}@${ref.revision}; run transferkit pull ${ref.repo} once online, or write the commit you want into that file`);
  }
  const looked = snapshot ?? join(folder, 'snapshots');
  throw inputError(`${why} checkpoint ${ref.repo}@${ref.revision} is not in the Hugging Face cache (looked in ${looked}); run transferkit pull ${ref.repo} once online`);
}
