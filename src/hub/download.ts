import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadFileToCacheDir, getRepoFolderName, HubApiError, type RepoDesignation } from '@huggingface/hub';
import type { HubSettings } from './settings.ts';

/** Attempts per file when the connection drops (HTTP errors are answers, not retried, except 5xx). */
export const DOWNLOAD_ATTEMPTS = 3;

export interface CacheDownload {
  repo: RepoDesignation;
  path: string;
  /** A commit hash: the file lands in snapshots/<commit>/, so offline runs find it by the ref. */
  commit: string;
  onBytes?: (bytes: number) => void;
  /** Milliseconds before the second attempt; doubled for each further one. */
  retryDelayMs?: number;
}

/**
 * One file into the huggingface_hub cache (a no-op when the commit's copy is there), returning its local
 * path. @huggingface/hub streams into `blobs/<etag>.incomplete` and renames when done; after a dropped
 * connection that partial file is removed, so the cache never holds one, and the download is retried a
 * bounded number of times (5xx answers too: the hub's load balancer gives them under load).
 */
export async function downloadToCache(settings: HubSettings, file: CacheDownload): Promise<string> {
  const blobs = join(settings.cacheDir, getRepoFolderName(typeof file.repo === 'string' ? { type: 'model', name: file.repo } : file.repo), 'blobs');
  for (let attempt = 1; ; attempt++) {
    try {
      return await quietly(() =>
        downloadFileToCacheDir({
          hubUrl: settings.endpoint,
          accessToken: settings.token,
          repo: file.repo,
          path: file.path,
          revision: file.commit,
          cacheDir: settings.cacheDir,
          fetch: file.onBytes ? countingFetch(file.onBytes) : undefined,
        }),
      );
    } catch (error) {
      await removeIncomplete(blobs);
      const retriable = !(error instanceof HubApiError) || error.statusCode >= 500;
      if (!retriable || attempt >= DOWNLOAD_ATTEMPTS) throw error;
      file.onBytes?.(0);
      await new Promise((resolve) => setTimeout(resolve, (file.retryDelayMs ?? 500) * 2 ** (attempt - 1)));
    }
  }
}

async function removeIncomplete(blobs: string): Promise<void> {
  const names = await readdir(blobs).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => name.endsWith('.incomplete')).map((name) => rm(join(blobs, name), { force: true })));
}

/** A fetch that reports the bytes of file bodies as they stream (not the 1-byte size probes). */
export function countingFetch(onBytes: (bytes: number) => void): typeof fetch {
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
 * would break the CLI's output and the Ink screen; progress goes through onBytes instead.
 */
export async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const debug = console.debug;
  console.debug = () => {};
  try {
    return await run();
  } finally {
    console.debug = debug;
  }
}

/** The network cause of a failed fetch (ECONNRESET, ECONNREFUSED …), else the error's message. */
export function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
