import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { inputError, usageError } from '../../errors.ts';
import { isHubSpec } from '../hub-spec.ts';
import { openDataFile } from '../open-file.ts';
import type { ImageDataset } from '../types.ts';
import { cifarBatchFiles, isCifarBatch, loadCifarBatches } from './cifar.ts';
import { loadImageFolder } from './folder.ts';
import { buildImageTable } from './table.ts';
import type { LoadImageOptions } from './options.ts';

export type { LoadImageOptions } from './options.ts';

export { CIFAR10_LABELS } from './cifar.ts';
export { listImageInputs } from './inputs.ts';
export type { ImageDataset } from '../types.ts';


/**
 * Loads an image classification dataset from a class folder (`<class>/<image>.jpg|png|webp`), CIFAR-10
 * binary batches (a `.bin` file or a folder of them), a CSV / JSONL / Parquet table with an image path (or
 * Image struct) column and a label column, or a hub spec (`uoft-cs/cifar10:test`) whose Parquet files hold
 * an Image struct column. Every image is checked here; a bad one is one input error naming it (skipped
 * and counted under lenient).
 */
export async function loadImageDataset(source: string, options: LoadImageOptions = {}): Promise<ImageDataset> {
  if (options.maxSamples !== undefined && !(Number.isInteger(options.maxSamples) && options.maxSamples >= 1)) {
    throw usageError(`must be an integer >= 1, got ${options.maxSamples}`, '--max-samples');
  }
  if (isHubSpec(source) && !existsSync(source)) {
    const { loadHubImageDataset } = await import('./hub.ts');
    return loadHubImageDataset(source, options);
  }
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    throw inputError(error.code === 'ENOENT' ? 'image dataset not found' : `cannot read the image dataset (${error.code})`, { file: source });
  });
  if (info.isFile()) {
    if (source.endsWith('.bin')) return loadCifarBatches(source, [source], options);
    return buildImageTable(source, [await openDataFile(source, { binary: true })], options);
  }
  const batches = await cifarBatchFiles(source, options.split);
  if (batches.length > 0) return loadCifarBatches(source, batches, options);
  if (options.split && (await cifarBatchFiles(source)).length > 0) {
    throw inputError(`no ${options.split} batches (${options.split === 'test' ? 'test_batch.bin' : 'data_batch_*.bin'}) in this CIFAR-10 folder`, { file: source });
  }
  return loadImageFolder(source, options);
}

export { isCifarBatch };
