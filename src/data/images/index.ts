import { stat } from 'node:fs/promises';
import { inputError, usageError } from '../../errors.ts';
import type { ImageDataset } from '../types.ts';
import { cifarBatchFiles, isCifarBatch, loadCifarBatches } from './cifar.ts';
import { loadImageFolder } from './folder.ts';

export { CIFAR10_LABELS } from './cifar.ts';
export type { ImageDataset } from '../types.ts';

export interface LoadImageOptions {
  maxSamples?: number;
  /** Skip unreadable images, images of another size and bad CIFAR records instead of failing. */
  lenient?: boolean;
  /** For a CIFAR-10 folder holding both: `data_batch_*.bin` (train, the default) or `test_batch.bin`. */
  split?: 'train' | 'test';
}

/**
 * Loads images as N*3*H*W RGB bytes (channels first) with integer labels from a CIFAR-10 binary batch
 * file (`data_batch_1.bin`, `test_batch.bin`), a folder of such batches, or an image folder
 * (`<class>/<image>.jpg|png`, classes in sorted order).
 */
export async function loadImageDataset(source: string, options: LoadImageOptions = {}): Promise<ImageDataset> {
  if (options.maxSamples !== undefined && !(Number.isInteger(options.maxSamples) && options.maxSamples >= 1)) {
    throw usageError(`must be an integer >= 1, got ${options.maxSamples}`, '--max-samples');
  }
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    throw inputError(error.code === 'ENOENT' ? 'image dataset not found' : `cannot read the image dataset (${error.code})`, { file: source });
  });
  if (info.isFile()) {
    if (!source.endsWith('.bin')) {
      throw inputError('not an image dataset: give a CIFAR-10 .bin batch or a folder of <class>/<image> files', { file: source });
    }
    return loadCifarBatches(source, [source], options);
  }
  const batches = await cifarBatchFiles(source, options.split);
  if (batches.length > 0) return loadCifarBatches(source, batches, options);
  if (options.split && (await cifarBatchFiles(source)).length > 0) {
    throw inputError(`no ${options.split} batches (${options.split === 'test' ? 'test_batch.bin' : 'data_batch_*.bin'}) in this CIFAR-10 folder`, { file: source });
  }
  return loadImageFolder(source, options);
}

export { isCifarBatch };
