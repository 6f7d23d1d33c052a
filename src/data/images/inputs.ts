import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { inputError } from '../../errors.ts';
import type { ImageDataset } from '../types.ts';
import { isImageFile, isUnsupportedImageFile } from './check.ts';
import { checkImageFiles } from './folder.ts';

/**
 * Images to predict or embed, unlabelled, in the order given: files, folders (every image below, sorted)
 * and globs in the last path part (`photos/*.jpg`, for shells that pass the pattern through).
 */
export async function listImageInputs(paths: string[], options: { lenient?: boolean } = {}): Promise<ImageDataset> {
  const files: string[] = [];
  for (const path of paths) {
    if (/[*?]/.test(basename(path))) {
      const pattern = new RegExp(`^${basename(path).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      const names = (await readdir(dirname(path)).catch(() => [])).filter((name) => pattern.test(name)).sort();
      if (names.length === 0) throw inputError('no file matches this pattern', { file: path });
      files.push(...names.map((name) => join(dirname(path), name)));
      continue;
    }
    const info = await stat(path).catch(() => {
      throw inputError('image file not found', { file: path });
    });
    if (info.isDirectory()) {
      const found = await walk(path);
      if (found.length === 0) throw inputError('no .jpg, .jpeg, .png or .webp files in this folder', { file: path });
      files.push(...found);
    } else files.push(path);
  }
  return checkImageFiles(paths.join(' '), files, files.map(() => -1), [], options);
}

async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (isImageFile(entry.name) || isUnsupportedImageFile(entry.name)) out.push(path);
  }
  return out;
}
