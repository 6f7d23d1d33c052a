import { usageError } from '../errors.ts';

/** `--checkpoint hub:OWNER/NAME[@REVISION]`: a checkpoint pushed to the hub with `transferkit push`. */
export const HUB_CHECKPOINT_PREFIX = 'hub:';

export interface HubRepoRef {
  repo: string;
  revision: string;
}

export const isHubCheckpoint = (dir: string): boolean => dir.startsWith(HUB_CHECKPOINT_PREFIX);

const REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** `OWNER/NAME[@REVISION]` (with or without the `hub:` prefix). */
export function parseHubRepo(given: string, flag?: string): HubRepoRef {
  const text = isHubCheckpoint(given) ? given.slice(HUB_CHECKPOINT_PREFIX.length) : given;
  const [repo, revision = 'main', extra] = text.split('@');
  if (!REPO.test(repo) || extra !== undefined || revision === '') {
    throw usageError(`'${given}' is not a hub repository (OWNER/NAME, optionally @REVISION)`, flag);
  }
  return { repo, revision };
}
