import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { atomicWriteFile } from '../io/atomic.ts';

/** `$TRANSFERKIT_CACHE`, else ~/.cache/transferkit: TransferKit's own cache root. */
export function transferKitCacheDir(): string {
  return process.env.TRANSFERKIT_CACHE || join(homedir(), '.cache', 'transferkit');
}

interface HashRecord {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

/**
 * sha256 of a file, remembered by path + size + mtime under `<cache>/file-hashes/` so that a 400 MB
 * model is hashed once, not on every run.
 */
export async function cachedFileSha256(path: string): Promise<string> {
  const info = await stat(path);
  const recordPath = join(transferKitCacheDir(), 'file-hashes', `${sha256Hex(path)}.json`);
  try {
    const record = JSON.parse(await readFile(recordPath, 'utf8')) as HashRecord;
    if (record.path === path && record.size === info.size && record.mtimeMs === info.mtimeMs) return record.sha256;
  } catch {
    // No record yet, or an unreadable one: hash again.
  }
  const sha256 = await fileSha256(path);
  const record: HashRecord = { path, size: info.size, mtimeMs: info.mtimeMs, sha256 };
  await atomicWriteFile(recordPath, JSON.stringify(record));
  return sha256;
}

export function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}
