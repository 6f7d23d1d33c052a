import { join } from 'node:path';
import { getRepoFolderName, HubApiError, listFiles } from '@huggingface/hub';
import { inputError, runtimeError, type TransferKitError } from '../errors.ts';
import { recordCommit, resolveCommit } from '../hub/commit.ts';
import { describeNetworkError as describe, downloadToCache } from '../hub/download.ts';
import { hubApiError } from '../hub/errors.ts';
import { hubSettings, type HubSettings } from '../hub/settings.ts';
import { buildTextDataset } from './build.ts';
import { availableSplits, cachedSnapshot, listSnapshotFiles, matchSplitFiles, splitFolders } from './hub-files.ts';
import { parseHubSpec, type HubSpec } from './hub-spec.ts';
import { openParquet } from './parquet.ts';
import type { LoadTextOptions, TextDataset } from './types.ts';

const REVISION = 'main';

/**
 * Loads `owner/name[/config]:split` (or `glue/<task>:split`) from the split's Parquet files on the hub,
 * downloading them into the Hugging Face cache first (or, offline, reading only what is cached).
 */
export async function loadHubTextDataset(source: string, options: LoadTextOptions = {}): Promise<TextDataset> {
  return loadHubSplit(
    source,
    options,
    async (files, spec, quiet) =>
      buildTextDataset(source, await Promise.all(files.map((file) => openParquet(file))), { ...options, ...(quiet ? { onProgress: undefined } : {}), labelNames: options.labelNames ?? spec.labelNames }),
    (dataset) => dataset.texts.length,
  );
}

/**
 * The hub download behind every dataset kind: `build` reads the local shards (text rows, images, ...);
 * with --max-samples, shards stop downloading once those so far give `rows(dataset)` enough rows.
 */
export async function loadHubSplit<T>(
  source: string,
  options: { offline?: boolean; maxSamples?: number; onProgress?: LoadTextOptions['onProgress'] },
  build: (files: string[], spec: HubSpec, quiet: boolean) => Promise<T>,
  rows: (dataset: T) => number,
): Promise<T> {
  const spec = parseHubSpec(source);
  const settings = hubSettings(options);
  if (settings.offline) return build(await findCached(source, spec, settings, 'offline'), spec, false);
  const plan = await planSplit(source, spec, settings);
  if ('cached' in plan) return build(plan.cached, spec, false);

  const total = plan.shards.reduce((sum, shard) => sum + shard.size, 0);
  const local: string[] = [];
  let done = 0;
  for (const [index, shard] of plan.shards.entries()) {
    local.push(await fetchShard(source, spec, settings, plan.commit, shard.path, (bytes) => options.onProgress?.({ phase: 'download', done: done + bytes, total })));
    done += shard.size;
    options.onProgress?.({ phase: 'download', done, total });
    // --max-samples: stop downloading once the shards so far give enough usable rows.
    if (options.maxSamples === undefined || index === plan.shards.length - 1) continue;
    const inputs = await Promise.all(local.map((file) => openParquet(file)));
    if (inputs.reduce((sum, input) => sum + (input.total ?? 0), 0) < options.maxSamples) continue;
    const dataset = await build(local, spec, true).catch(
      () => undefined, // too few usable rows yet (or a bad row, which the full read below reports)
    );
    if (dataset && rows(dataset) >= options.maxSamples) {
      options.onProgress?.({ phase: 'download', done, total: done });
      return build(local, spec, false);
    }
  }
  return build(local, spec, false);
}

const storageFolder = (spec: HubSpec, settings: HubSettings) =>
  join(settings.cacheDir, getRepoFolderName({ type: 'dataset', name: spec.repo }));

/** Local paths of the split's shards in the cache; an input error saying where it looked if absent. */
async function findCached(source: string, spec: HubSpec, settings: HubSettings, why: 'offline' | 'unreachable'): Promise<string[]> {
  const folder = storageFolder(spec, settings);
  const { snapshot, ref, unreferenced } = await cachedSnapshot(folder, REVISION);
  const reason = why === 'offline' ? 'offline (HF_HUB_OFFLINE or --offline) and' : `the hub at ${settings.endpoint} is unreachable and`;
  if (snapshot) {
    const files = matchSplitFiles(await listSnapshotFiles(snapshot), spec);
    if (files.length > 0) return files.map((file) => join(snapshot, file));
  } else if (unreferenced.length > 0) {
    throw inputError(
      `${reason} the cache has no ${ref}, so none of its snapshots (${unreferenced.join(', ')}) is known to be revision ${REVISION}; load it once online, or write the commit you want into that file`,
      { file: source },
    );
  }
  const looked = snapshot ?? join(folder, 'snapshots');
  throw inputError(`${reason} the split is not in the Hugging Face cache; looked in ${looked} for ${splitPatterns(spec)}`, {
    file: source,
  });
}

const splitPatterns = (spec: HubSpec) =>
  splitFolders(spec)
    .map((folder) => `${folder}${spec.split}[-*].parquet`)
    .join(' or ');

/** The commit and the split's shards (in order, with sizes) to fetch; or the cached shards when the hub is unreachable. */
async function planSplit(
  source: string,
  spec: HubSpec,
  settings: HubSettings,
): Promise<{ commit: string; shards: { path: string; size: number }[] } | { cached: string[] }> {
  const common = { hubUrl: settings.endpoint, accessToken: settings.token };
  const repo = { type: 'dataset' as const, name: spec.repo };
  const tree = async (revision: string, path: string | undefined, recursive: boolean) => {
    const found = [];
    for await (const entry of listFiles({ ...common, repo, revision, recursive, path })) found.push(entry);
    return found;
  };
  let commit: string | undefined;
  let entries: { path: string; size: number }[];
  try {
    commit = await resolveCommit(settings, repo, REVISION);
    entries = (await tree(commit, spec.config, true))
      .filter((entry) => entry.type === 'file')
      .map((entry) => ({ path: entry.path, size: entry.lfs?.size ?? entry.size }));
  } catch (error) {
    if (!(error instanceof HubApiError)) {
      // No connection: use the cache as huggingface_hub does, else say how to work offline.
      const cached = await findCached(source, spec, settings, 'unreachable').catch((cacheError: TransferKitError) => {
        throw runtimeError(`cannot reach ${settings.endpoint} (${describe(error)}); ${cacheError.message}`, { file: source }, error);
      });
      return { cached };
    }
    if (error.statusCode === 404 && commit !== undefined && spec.config) {
      // The repo exists (we have its commit) but the config folder does not: name the ones there are.
      const configs = (await tree(commit, undefined, false)).filter((entry) => entry.type === 'directory').map((entry) => entry.path);
      throw inputError(`no config '${spec.config}' in ${spec.repo}; available: ${configs.join(', ') || 'none (use owner/name:split)'}`, { file: source });
    }
    throw hubError(source, spec, settings, error);
  }

  const paths = entries.map((entry) => entry.path);
  const files = matchSplitFiles(paths, spec);
  if (files.length === 0) {
    const splits = availableSplits(paths, spec);
    const where = `${spec.repo}${spec.config ? ` (config ${spec.config})` : ''}`;
    throw inputError(
      splits.length > 0
        ? `no split '${spec.split}' in ${where}; available: ${splits.join(', ')}`
        : `no Parquet files for split '${spec.split}' in ${where}; looked for ${splitPatterns(spec)}`,
      { file: source },
    );
  }
  // The ref lets a later offline run find this snapshot, as huggingface_hub's cache layout expects.
  await recordCommit(storageFolder(spec, settings), REVISION, commit);
  const sizes = new Map(entries.map((entry) => [entry.path, entry.size]));
  return { commit, shards: files.map((path) => ({ path, size: sizes.get(path) ?? 0 })) };
}

/** Downloads one shard into the cache (a no-op when the commit's copy is there) and returns its local path. */
async function fetchShard(source: string, spec: HubSpec, settings: HubSettings, commit: string, path: string, onBytes: (bytes: number) => void): Promise<string> {
  try {
    return await downloadToCache(settings, { repo: { type: 'dataset', name: spec.repo }, path, commit, onBytes });
  } catch (error) {
    if (error instanceof HubApiError) throw hubError(source, spec, settings, error);
    throw runtimeError(`downloading ${path} from ${settings.endpoint} failed: ${describe(error)}`, { file: source }, error);
  }
}

const hubError = (source: string, spec: HubSpec, settings: HubSettings, error: HubApiError) =>
  hubApiError('dataset', spec.repo, settings, error, { file: source });
