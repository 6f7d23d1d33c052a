import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError } from '../../errors.ts';
import type { ImageDataset } from '../types.ts';
import { IMAGE_EXTENSIONS, ImageRows, imageProblem, isImageFile, isUnsupportedImageFile } from './check.ts';

/** Files decoded at once: sharp works on its own thread pool. */
const IN_FLIGHT = 16;

export interface ImageFolderOptions {
  maxSamples?: number;
  lenient?: boolean;
  /** The training set's classes: a validation folder may hold only these (in this index order). */
  labelNames?: readonly string[];
}

/**
 * Lists `root/<class>/*.{jpg,jpeg,png,webp}`: classes are the sub-folders in sorted order (or the given
 * label names), files are interleaved class by class (first file of each class, then the second, ...) so
 * that --max-samples keeps the classes balanced.
 */
export async function listImageFolder(root: string, given?: readonly string[]): Promise<{ labelNames: string[]; files: string[]; labels: number[] }> {
  const entries = await readdir(root, { withFileTypes: true });
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (folders.length === 0) {
    throw inputError(`no class folders: an image folder holds one sub-folder per class (<class>/<image>${IMAGE_EXTENSIONS.join('|')})`, { file: root });
  }
  const unknown = given ? folders.filter((name) => !given.includes(name)) : [];
  if (unknown.length > 0) {
    throw inputError(`class folder '${unknown[0]}' is not a class of the training set (${given!.join(', ')})`, { file: join(root, unknown[0]) });
  }
  const labelNames = given ? [...given] : folders;
  const perClass = await Promise.all(
    labelNames.map(async (name) => {
      if (!folders.includes(name)) return [];
      const files = (await readdir(join(root, name), { withFileTypes: true })).filter((e) => e.isFile());
      return files.filter((e) => isImageFile(e.name) || isUnsupportedImageFile(e.name)).map((e) => join(root, name, e.name)).sort();
    }),
  );
  if (perClass.every((list) => list.length === 0)) {
    throw inputError(`no ${IMAGE_EXTENSIONS.join(', ')} files in the class folders (${folders.join(', ')})`, { file: root });
  }
  const files: string[] = [];
  const labels: number[] = [];
  const longest = Math.max(...perClass.map((list) => list.length));
  for (let i = 0; i < longest; i++) {
    for (let label = 0; label < labelNames.length; label++) {
      if (i < perClass[label].length) {
        files.push(perClass[label][i]);
        labels.push(label);
      }
    }
  }
  return { labelNames, files, labels };
}

/**
 * An image folder as a dataset of file paths. Every image is decoded once here, so that an empty, cut
 * short, corrupt or unsupported file is reported by name before any work starts (skipped under lenient).
 */
export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<ImageDataset> {
  const listing = await listImageFolder(root, options.labelNames);
  return checkImageFiles(root, listing.files, listing.labels, listing.labelNames, options);
}

/** Reads and checks image files (labels may be all -1 for unlabelled inputs). */
export async function checkImageFiles(
  source: string,
  files: string[],
  labels: number[],
  labelNames: string[],
  options: { maxSamples?: number; lenient?: boolean } = {},
): Promise<ImageDataset> {
  const limit = Math.min(options.maxSamples ?? Infinity, files.length);
  const rows = new ImageRows<string>(options.lenient ?? false);
  let next = 0;
  while (rows.images.length < limit && next < files.length) {
    const batch = files.slice(next, next + Math.min(IN_FLIGHT, limit - rows.images.length));
    const checked = await Promise.all(
      batch.map(async (file) => {
        const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
          throw inputError(error.code === 'ENOENT' ? 'image file not found' : `cannot read the image (${error.code})`, { file });
        });
        return { bytes, problem: await imageProblem(bytes, file) };
      }),
    );
    checked.forEach(({ bytes, problem }, i) => rows.add(batch[i], bytes, labels[next + i], batch[i], problem, { file: batch[i] }));
    next += batch.length;
  }
  if (rows.images.length === 0) throw inputError('no usable images', { file: source });
  const labelled = rows.labels.every((label) => label >= 0);
  return {
    source,
    images: rows.images,
    labels: labelled ? Int32Array.from(rows.labels) : null,
    labelNames,
    ids: rows.ids,
    contentHash: rows.contentHash(),
    skipped: rows.skipped.list(),
  };
}
