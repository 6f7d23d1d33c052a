import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isCommitSha, recordedCommit, refFile } from '../hub/commit.ts';
import type { HubSpec } from './hub-spec.ts';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The folders a split's Parquet files sit in: the config's folder (`mnli/` in nyu-mll/glue), or for a
 * repo without a config `data/` (datasets' push_to_hub), the root, and `default/` (the parquet bot).
 */
export function splitFolders(spec: HubSpec): string[] {
  return spec.config ? [`${spec.config}/`] : ['data/', '', 'default/'];
}

/**
 * Picks a split's Parquet shards from repo file paths, using the layouts the hub writes:
 * `<folder><split>.parquet`, `<folder><split>-00000-of-00003.parquet` (any `<split>-*` name, as the
 * dataset cards' `data_files` patterns do) and `<folder><split>/*.parquet`. Shards come back sorted,
 * so rows keep the hub's order. The first folder with any match wins.
 */
export function matchSplitFiles(paths: string[], spec: HubSpec): string[] {
  for (const folder of splitFolders(spec)) {
    const pattern = new RegExp(`^${escape(folder)}${escape(spec.split)}(\\.parquet|-[^/]*\\.parquet|/[^/]+\\.parquet)$`);
    const found = paths.filter((path) => pattern.test(path)).sort();
    if (found.length > 0) return found;
  }
  return [];
}

/** Split names present in the same layouts, for "no split X; available: ..." messages. */
export function availableSplits(paths: string[], spec: HubSpec): string[] {
  const splits = new Set<string>();
  for (const folder of splitFolders(spec)) {
    const pattern = new RegExp(`^${escape(folder)}([\\w.]+?)(?:\\.parquet|-[^/]*\\.parquet|/[^/]+\\.parquet)$`);
    for (const path of paths) {
      const match = pattern.exec(path);
      if (match) splits.add(match[1]);
    }
  }
  return [...splits].sort();
}

/** Repo-relative paths of all files under a cached snapshot folder (symlinks to blobs count as files). */
export async function listSnapshotFiles(snapshot: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    // A ref may name a snapshot that was deleted: treat it as empty.
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() || entry.isSymbolicLink()) files.push(relative(snapshot, full).split(sep).join('/'));
    }
  };
  await walk(snapshot);
  return files;
}

/**
 * The snapshot folder of a cached repo that `refs/<revision>` points at (or that a commit revision names
 * itself). Without the ref it is not known
 * which snapshot (if any) is that revision: then `snapshot` is null and `unreferenced` lists the commits
 * there are, for the message (taking the newest of any revision would be a silent guess).
 */
export async function cachedSnapshot(storageFolder: string, revision: string): Promise<{ snapshot: string | null; ref: string; unreferenced: string[] }> {
  const snapshots = join(storageFolder, 'snapshots');
  const ref = refFile(storageFolder, revision);
  const commit = await recordedCommit(storageFolder, revision);
  if (commit !== null && !isCommitSha(revision)) return { snapshot: join(snapshots, commit), ref, unreferenced: [] };
  const commits = await readdir(snapshots).catch(() => [] as string[]);
  if (commits.includes(revision)) return { snapshot: join(snapshots, revision), ref, unreferenced: [] };
  return { snapshot: null, ref, unreferenced: commits };
}
