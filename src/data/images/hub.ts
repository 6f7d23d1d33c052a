import { loadHubSplit } from '../hub.ts';
import { openParquet } from '../parquet.ts';
import type { ImageDataset } from '../types.ts';
import type { LoadImageOptions } from './options.ts';
import { buildImageTable } from './table.ts';

/** `owner/name[/config]:split` whose Parquet shards hold an Image struct column, through the text datasets' hub cache. */
export async function loadHubImageDataset(source: string, options: LoadImageOptions): Promise<ImageDataset> {
  return loadHubSplit(
    source,
    options,
    async (files, spec, quiet) =>
      buildImageTable(source, await Promise.all(files.map((file) => openParquet(file, { binary: true }))), { ...options, ...(quiet ? { lenient: true } : {}), labelNames: options.labelNames ?? spec.labelNames }),
    (dataset) => dataset.images.length,
  );
}
