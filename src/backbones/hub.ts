import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { inputError, runtimeError } from '../errors.ts';

/**
 * Short names users know, mapped to hub repositories that carry Transformers.js-ready ONNX weights
 * (onnx/model.onnx). Any other `owner/name` is used as given.
 */
export const MODEL_ALIASES: Readonly<Record<string, string>> = {
  'bert-base-cased': 'Xenova/bert-base-cased',
  'bert-base-uncased': 'Xenova/bert-base-uncased',
  'bert-large-cased': 'Xenova/bert-large-cased',
  'bert-large-uncased': 'Xenova/bert-large-uncased',
  'bert-base-multilingual-cased': 'Xenova/bert-base-multilingual-cased',
  'distilbert-base-uncased': 'Xenova/distilbert-base-uncased',
  'distilbert-base-cased': 'Xenova/distilbert-base-cased',
};

export type ModelSource =
  | { kind: 'local'; dir: string }
  | {
      kind: 'hub';
      repo: string;
      /** As asked for (`main`, a tag, a commit). */
      revision: string;
      /** The commit it names, once pinned (backbones/hub-commit.ts): files, identity and derived graphs follow it. */
      commit?: string;
      offline: boolean;
      cacheDir: string;
      endpoint: string;
    };

export type HubModelSource = Extract<ModelSource, { kind: 'hub' }>;

export interface SourceOptions {
  revision?: string;
  offline?: boolean;
  cacheDir?: string;
}

/** True when HF_HUB_OFFLINE asks for offline mode, as huggingface_hub reads it. */
export function offlineFromEnv(): boolean {
  return ['1', 'true', 'yes', 'on'].includes((process.env.HF_HUB_OFFLINE ?? '').toLowerCase());
}

/**
 * Where downloaded models live. Transformers.js keeps its own file cache (layout `<owner>/<name>/<file>`,
 * `<owner>/<name>/<revision>/<file>` for a non-main revision), which is not the huggingface_hub layout,
 * so it gets its own folder under HF_HOME: `$HF_HOME/transformers.js` (default
 * ~/.cache/huggingface/transformers.js), unless `cacheDir` is given.
 */
export function hubCacheDir(cacheDir?: string): string {
  if (cacheDir) return resolve(cacheDir);
  const hfHome = process.env.HF_HOME || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
  return join(hfHome, 'transformers.js');
}

/** HF_ENDPOINT (as huggingface_hub reads it), else the public hub; always with a trailing slash. */
export function hubEndpoint(): string {
  const endpoint = process.env.HF_ENDPOINT || 'https://huggingface.co';
  return endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
}

/** A local folder when `model` names one (or looks like a path); otherwise a hub repository. */
export function resolveModelSource(model: string, options: SourceOptions = {}): ModelSource {
  const looksLikePath = isAbsolute(model) || model.startsWith('.') || model.startsWith('~') || model.split('/').length > 2;
  const path = resolve(model.startsWith('~') ? join(homedir(), model.slice(1)) : model);
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw inputError(`--model must be a model folder or a hub id; ${path} is a file`, { flag: '--model' });
    return { kind: 'local', dir: path };
  }
  if (looksLikePath) throw inputError(`model folder ${path} does not exist`, { flag: '--model' });
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(model)) throw inputError(`'${model}' is neither a model folder nor a hub id (owner/name)`, { flag: '--model' });
  return {
    kind: 'hub',
    repo: MODEL_ALIASES[model] ?? model,
    revision: options.revision ?? 'main',
    offline: options.offline ?? offlineFromEnv(),
    cacheDir: hubCacheDir(options.cacheDir),
    endpoint: hubEndpoint(),
  };
}

/** The repository's folder in the Transformers.js file cache (its `refs/` record which commit a branch was). */
export function hubRepoFolder(source: HubModelSource): string {
  return join(source.cacheDir, ...source.repo.split('/'));
}

/**
 * The revision Transformers.js is asked for: the pinned commit when there is one, so that a moved branch
 * brings new files into a folder of their own instead of silently reusing the old ones.
 */
export function transformersRevision(source: HubModelSource): string {
  return source.commit ?? source.revision;
}

/** The folder in the Transformers.js file cache that holds this revision's files (its own layout). */
export function hubCacheFolder(source: HubModelSource): string {
  const revision = transformersRevision(source);
  return revision === 'main' ? hubRepoFolder(source) : join(hubRepoFolder(source), revision);
}

/** Points Transformers.js at this source's hub endpoint and cache (its `env` is process-global). */
export async function configureTransformers(source: ModelSource): Promise<void> {
  const { env } = await import('@huggingface/transformers');
  env.allowLocalModels = true;
  if (source.kind === 'hub') {
    env.remoteHost = source.endpoint;
    env.cacheDir = source.cacheDir;
    env.useFSCache = true;
    env.allowRemoteModels = !source.offline;
  }
}

/** Offline use needs every file already in the cache; say exactly which one is missing and where. */
export function checkOfflineCache(model: string, source: HubModelSource, files: string[]): void {
  const folder = hubCacheFolder(source);
  const missing = files.find((file) => !existsSync(join(folder, file)));
  if (missing !== undefined) throw notInCacheError(model, source, `${join(folder, missing)} is missing`);
}

/** Offline and `what` ("FILE is missing") is not there: one line saying how to get it. */
export function notInCacheError(model: string, source: HubModelSource, what: string): Error {
  return runtimeError(
    `model '${model}' (hub repo ${source.repo}, revision ${source.revision}) is not in the cache: ` +
      `${what} and offline mode is on (--offline or HF_HUB_OFFLINE=1); ` +
      `run once online to download it, set HF_HOME to the cache that has it, or pass a local model folder ` +
      `(--model bundled:tiny-bert is the offline demo model)`,
  );
}

/** Turns Transformers.js download failures into one line that names the repo, endpoint and cache. */
export function hubLoadError(model: string, source: HubModelSource, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return runtimeError(
    `could not load model '${model}' (hub repo ${source.repo}, revision ${source.revision}) from ${source.endpoint} ` +
      `into ${hubCacheFolder(source)}: ${message.split('\n')[0]}` +
      (/fetch failed|ENOTFOUND|ECONNREFUSED|ETIMEDOUT/.test(message) ? ' (is the hub reachable? set HF_ENDPOINT to a mirror, or pass a local model folder; --model bundled:tiny-bert needs no network)' : ''),
    {},
    error,
  );
}
