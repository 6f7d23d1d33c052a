import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetInfo, modelInfo } from '@huggingface/hub';
import { atomicWriteFile } from '../io/atomic.ts';
import type { HubSettings } from './settings.ts';

/** A full git commit hash, as the hub reports it: such a revision never moves. */
export const isCommitSha = (revision: string): boolean => /^[0-9a-f]{40}$/.test(revision);

/**
 * The commit a revision (branch, tag or commit) names on the hub now: what identifies the files, since a
 * branch such as `main` moves. A HubApiError (404, 401 ...) or a network error propagates to the caller,
 * which knows whether a recorded commit may stand in.
 */
export async function resolveCommit(settings: HubSettings, repo: { type: 'model' | 'dataset'; name: string }, revision: string): Promise<string> {
  if (isCommitSha(revision)) return revision;
  const params = { hubUrl: settings.endpoint, accessToken: settings.token, name: repo.name, revision, additionalFields: ['sha' as const] };
  const info = repo.type === 'dataset' ? await datasetInfo(params) : await modelInfo(params);
  return info.sha;
}

/**
 * The commit a revision named when this cache last saw the hub: `<repo folder>/refs/<revision>`, the
 * huggingface_hub cache layout; null when it was never recorded.
 */
export async function recordedCommit(repoFolder: string, revision: string): Promise<string | null> {
  if (isCommitSha(revision)) return revision;
  const text = (await readFile(refFile(repoFolder, revision), 'utf8').catch(() => '')).trim();
  return text || null;
}

/** Records that `revision` is `commit` now, so that an offline run later uses the same files. */
export async function recordCommit(repoFolder: string, revision: string, commit: string): Promise<void> {
  if (!isCommitSha(revision)) await atomicWriteFile(refFile(repoFolder, revision), commit);
}

export const refFile = (repoFolder: string, revision: string): string => join(repoFolder, 'refs', revision);
