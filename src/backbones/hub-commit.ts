import { HubApiError } from '@huggingface/hub';
import { isCommitSha, recordCommit, recordedCommit, refFile, resolveCommit } from '../hub/commit.ts';
import { hubSettings } from '../hub/settings.ts';
import { hubLoadError, hubRepoFolder, notInCacheError, type HubModelSource } from './hub.ts';

/**
 * The source pinned to a commit: the one its revision names on the hub now, recorded in the cache; offline
 * (or with the hub unreachable, as huggingface_hub does) the one the cache recorded. The commit, not the
 * branch name, is the model's identity: when `main` moves, features, derived graphs and checkpoint checks
 * all see a different model.
 */
export async function pinHubCommit(model: string, source: HubModelSource): Promise<HubModelSource> {
  if (source.commit) return source;
  if (isCommitSha(source.revision)) return { ...source, commit: source.revision };
  const folder = hubRepoFolder(source);
  const recorded = () => recordedCommit(folder, source.revision);
  if (source.offline) {
    const commit = await recorded();
    if (commit === null) throw notInCacheError(model, source, `${refFile(folder, source.revision)} (the commit revision ${source.revision} was when downloaded) is missing`);
    return { ...source, commit };
  }
  let commit: string;
  try {
    commit = await resolveCommit({ ...hubSettings(), endpoint: source.endpoint.replace(/\/+$/, '') }, { type: 'model', name: source.repo }, source.revision);
  } catch (error) {
    const fallback = error instanceof HubApiError ? null : await recorded();
    if (fallback === null) throw hubLoadError(model, source, error);
    return { ...source, commit: fallback };
  }
  await recordCommit(folder, source.revision, commit);
  return { ...source, commit };
}
