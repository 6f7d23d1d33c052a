import { join } from 'node:path';
import {
  datasetInfo,
  downloadFileToCacheDir,
  getHFHubCachePath,
  getRepoFolderName,
  HubApiError,
  listFiles,
} from '@huggingface/hub';
import { inputError, runtimeError, usageError, type TransferKitError } from '../errors.ts';
import { atomicWriteFile } from '../io/atomic.ts';
import { buildTextDataset } from './build.ts';
import { availableSplits, cachedSnapshots, listSnapshotFiles, matchSplitFiles, splitFolders } from './hub-files.ts';
import { parseHubSpec, type HubSpec } from './hub-spec.ts';
import type { LoadTextOptions } from './index.ts';
import { openParquet } from './parquet.ts';
import type { TextDataset } from './types.ts';

const REVISION = 'main';

/** Hub settings from the environment, as huggingface_hub reads them. */
export interface HubSettings {
  endpoint: string;
  token?: string;
  offline: boolean;
  cacheDir: string;
}

export function hubSettings(options: { offline?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): HubSettings {
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  if (token !== undefined && !token.startsWith('hf_')) {
    throw usageError("HF_TOKEN does not look like a Hugging Face token (they start with 'hf_')");
  }
  return {
    endpoint: (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, ''),
    token,
    offline: options.offline === true || /^(1|true|yes|on)$/i.test(env.HF_HUB_OFFLINE ?? ''),
    cacheDir: getHFHubCachePath(),
  };
}

/**
 * Loads `owner/name[/config]:split` (or `glue/<task>:split`) from the split's Parquet files on the hub,
 * downloading them into the Hugging Face cache first (or, offline, reading only what is cached).
 */
export async function loadHubTextDataset(source: string, options: LoadTextOptions = {}): Promise<TextDataset> {
  const spec = parseHubSpec(source);
  const settings = hubSettings(options);
  const files = settings.offline ? await findCached(source, spec, settings, 'offline') : await download(source, spec, settings, options);
  const inputs = [];
  for (const file of files) inputs.push(await openParquet(file));
  return buildTextDataset(source, inputs, { ...options, labelNames: options.labelNames ?? spec.labelNames });
}

const storageFolder = (spec: HubSpec, settings: HubSettings) =>
  join(settings.cacheDir, getRepoFolderName({ type: 'dataset', name: spec.repo }));

/** Local paths of the split's shards in the cache; an input error saying where it looked if absent. */
async function findCached(source: string, spec: HubSpec, settings: HubSettings, why: 'offline' | 'unreachable'): Promise<string[]> {
  const folder = storageFolder(spec, settings);
  const snapshots = await cachedSnapshots(folder, REVISION);
  for (const snapshot of snapshots) {
    const files = matchSplitFiles(await listSnapshotFiles(snapshot), spec);
    if (files.length > 0) return files.map((file) => join(snapshot, file));
  }
  const looked = snapshots.length > 0 ? snapshots.join(', ') : join(folder, 'snapshots');
  const reason = why === 'offline' ? 'offline (HF_HUB_OFFLINE or --offline) and' : `the hub at ${settings.endpoint} is unreachable and`;
  throw inputError(`${reason} the split is not in the Hugging Face cache; looked in ${looked} for ${splitPatterns(spec)}`, {
    file: source,
  });
}

const splitPatterns = (spec: HubSpec) =>
  splitFolders(spec)
    .map((folder) => `${folder}${spec.split}[-*].parquet`)
    .join(' or ');

async function download(source: string, spec: HubSpec, settings: HubSettings, options: LoadTextOptions): Promise<string[]> {
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
    commit = (await datasetInfo({ ...common, name: spec.repo, revision: REVISION, additionalFields: ['sha'] })).sha;
    entries = (await tree(commit, spec.config, true))
      .filter((entry) => entry.type === 'file')
      .map((entry) => ({ path: entry.path, size: entry.lfs?.size ?? entry.size }));
  } catch (error) {
    if (!(error instanceof HubApiError)) {
      // No connection: use the cache as huggingface_hub does, else say how to work offline.
      return findCached(source, spec, settings, 'unreachable').catch((cacheError: TransferKitError) => {
        throw runtimeError(`cannot reach ${settings.endpoint} (${describe(error)}); ${cacheError.message}`, { file: source }, error);
      });
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
  await atomicWriteFile(join(storageFolder(spec, settings), 'refs', REVISION), commit);

  const sizes = new Map(entries.map((entry) => [entry.path, entry.size]));
  const total = files.reduce((sum, file) => sum + (sizes.get(file) ?? 0), 0);
  let done = 0;
  const local: string[] = [];
  for (const file of files) {
    const before = done;
    const progressFetch = countingFetch((bytes) => {
      done = before + bytes;
      options.onProgress?.({ phase: 'download', done, total });
    });
    try {
      local.push(await quietly(() => downloadFileToCacheDir({ ...common, repo: { type: 'dataset', name: spec.repo }, path: file, revision: commit, cacheDir: settings.cacheDir, fetch: progressFetch })));
    } catch (error) {
      if (error instanceof HubApiError) throw hubError(source, spec, settings, error);
      throw runtimeError(`downloading ${file} from ${settings.endpoint} failed: ${describe(error)}`, { file: source }, error);
    }
    done = before + (sizes.get(file) ?? 0);
    options.onProgress?.({ phase: 'download', done, total });
  }
  return local;
}

function hubError(source: string, spec: HubSpec, settings: HubSettings, error: HubApiError): Error {
  const status = error.statusCode;
  if (status === 401 || status === 403) {
    const hint = settings.token ? 'HF_TOKEN has no access to it' : 'set HF_TOKEN for gated or private datasets';
    return inputError(`access to dataset ${spec.repo} on ${settings.endpoint} was refused (HTTP ${status}); ${hint}`, { file: source });
  }
  if (status === 404) {
    return inputError(`dataset ${spec.repo} not found on ${settings.endpoint} (HTTP 404; private datasets need HF_TOKEN)`, { file: source });
  }
  return runtimeError(`the hub at ${settings.endpoint} answered HTTP ${status}: ${error.message.split('\n')[0]}`, { file: source }, error);
}

/** A fetch that reports the bytes of file bodies as they stream (not the 1-byte size probes). */
function countingFetch(onBytes: (bytes: number) => void): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const range = new Headers(init?.headers).get('range');
    if (!response.body || range === 'bytes=0-0' || (init?.method ?? 'GET') !== 'GET') return response;
    let bytes = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          bytes += chunk.byteLength;
          onBytes(bytes);
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/**
 * downloadFileToCacheDir announces each download with console.debug, which lands on stdout in Node and
 * would break the CLI's output and the Ink screen; progress goes through onProgress instead.
 */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const debug = console.debug;
  console.debug = () => {};
  try {
    return await run();
  } finally {
    console.debug = debug;
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
