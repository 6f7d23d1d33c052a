import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { inputError } from '../../errors.ts';
import { SkipLog } from '../skipped.ts';
import type { ImageDataset } from '../types.ts';

const IMAGE_FILE = /\.(jpe?g|png)$/i;
/** sharp decodes on its own thread pool; this many files in flight keeps it busy without piling up. */
const IN_FLIGHT = 16;

/**
 * Lists `root/<class>/*.{jpg,jpeg,png}`: classes are the sub-folders in sorted order, and files are
 * interleaved class by class (first file of each class, then the second, ...) so that --max-samples
 * keeps the classes balanced.
 */
export async function listImageFolder(root: string): Promise<{ labelNames: string[]; files: string[]; labels: number[] }> {
  const entries = await readdir(root, { withFileTypes: true });
  const labelNames = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (labelNames.length === 0) {
    throw inputError('no class folders: an image folder holds one sub-folder per class (<class>/<image>.jpg|png)', { file: root });
  }
  const perClass = await Promise.all(
    labelNames.map(async (name) =>
      (await readdir(join(root, name), { withFileTypes: true }))
        .filter((e) => e.isFile() && IMAGE_FILE.test(e.name))
        .map((e) => join(root, name, e.name))
        .sort(),
    ),
  );
  const empty = labelNames.filter((_, i) => perClass[i].length === 0);
  if (empty.length === labelNames.length) throw inputError(`no .jpg, .jpeg or .png files in the class folders (${labelNames.join(', ')})`, { file: root });
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
 * Decodes an image folder with sharp into channels-first RGB (alpha dropped, grey expanded). All images
 * must share the first image's size; an unreadable image or one of another size is bad input
 * (skipped under lenient).
 */
export async function loadImageFolder(root: string, options: { maxSamples?: number; lenient?: boolean } = {}): Promise<ImageDataset> {
  const { default: sharp } = await import('sharp');
  const listing = await listImageFolder(root);
  const limit = Math.min(options.maxSamples ?? Infinity, listing.files.length);
  const skipped = new SkipLog();
  let height = 0;
  let width = 0;
  let images = new Uint8Array(0);
  const keptFiles: string[] = [];
  const keptLabels: number[] = [];

  const decode = async (file: string) => {
    try {
      const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height, channels: info.channels };
    } catch (error) {
      return { problem: `cannot decode the image: ${(error as Error).message.split('\n')[0]}` };
    }
  };

  let next = 0;
  while (keptFiles.length < limit && next < listing.files.length) {
    const batch = listing.files.slice(next, next + Math.min(IN_FLIGHT, limit - keptFiles.length));
    const decoded = await Promise.all(batch.map(decode));
    for (const [i, result] of decoded.entries()) {
      const file = batch[i];
      let problem = 'problem' in result ? result.problem : undefined;
      if (!('problem' in result) && height === 0) {
        height = result.height;
        width = result.width;
        images = new Uint8Array(limit * 3 * height * width);
      } else if (!('problem' in result) && (result.height !== height || result.width !== width)) {
        problem = `the image is ${result.width}x${result.height}, the first one (${relative(root, keptFiles[0])}) is ${width}x${height}; images must share one size`;
      }
      if (problem !== undefined || 'problem' in result) {
        if (!options.lenient) throw inputError(problem!, { file });
        skipped.add('problem' in result ? 'unreadable image' : 'different size', next + i + 1, `${file}: ${problem}`);
        continue;
      }
      toChannelsFirst(result.data, result.channels, height * width, images.subarray(keptFiles.length * 3 * height * width));
      keptFiles.push(file);
      keptLabels.push(listing.labels[next + i]);
    }
    next += batch.length;
  }
  if (keptFiles.length === 0) throw inputError('no usable images', { file: root });
  const size = 3 * height * width;
  return {
    source: root,
    images: keptFiles.length === limit ? images : images.slice(0, keptFiles.length * size),
    height,
    width,
    labels: Int32Array.from(keptLabels),
    labelNames: listing.labelNames,
    files: keptFiles,
    skipped: skipped.list(),
  };
}

/** HWC (RGB, or grey repeated if the decoder left one channel) → CHW. */
function toChannelsFirst(hwc: Uint8Array, channels: number, pixels: number, chw: Uint8Array): void {
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) chw[c * pixels + p] = hwc[p * channels + (channels === 1 ? 0 : c)];
  }
}
