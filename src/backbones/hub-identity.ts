import type { BackboneReference } from '../core/index.ts';
import type { HubModelSource } from './hub.ts';

/** `hub:owner/name@<commit>[#dtype]`: what feature caches and checkpoints know a hub backbone by. */
export function hubIdentity(source: HubModelSource, dtype: string): string {
  return `hub:${source.repo}@${source.commit ?? source.revision}${dtype === 'fp32' ? '' : `#${dtype}`}`;
}

const PINNED = /^hub:[^@]+@([0-9a-f]{40})(?:#|$)/;

/** The revision to load a checkpoint's backbone at: the commit it was trained on when recorded, else the revision it names. */
export function pinnedRevision(reference: Pick<BackboneReference, 'identity' | 'revision'>): string | undefined {
  return PINNED.exec(reference.identity)?.[1] ?? reference.revision;
}

/**
 * True when a loaded backbone is the one a checkpoint recorded. Checkpoints written before hub models were
 * pinned to commits record the branch (`hub:owner/name@main`): which commit they saw is unknown, so they
 * match the branch as before rather than becoming unloadable.
 */
export function sameBackbone(loaded: string, reference: Pick<BackboneReference, 'identity' | 'revision'>): boolean {
  if (loaded === reference.identity) return true;
  if (!reference.identity.startsWith('hub:') || PINNED.test(reference.identity)) return false;
  return loaded.replace(/@[0-9a-f]{40}(?=#|$)/, `@${reference.revision ?? 'main'}`) === reference.identity;
}
