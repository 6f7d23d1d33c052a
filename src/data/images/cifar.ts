import { open, readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { inputError } from '../../errors.ts';
import type { RawImageLike } from '../../core/index.ts';
import type { ImageDataset } from '../types.ts';
import { ImageRows } from './check.ts';

/** CIFAR-10 binary layout: 1 label byte, then 32x32 red, green and blue planes (channels first). */
const SIDE = 32;
const PIXELS = 3 * SIDE * SIDE;
const RECORD = 1 + PIXELS;
export const CIFAR10_LABELS = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

export const isCifarBatch = (name: string) => /^(data_batch_\d+|test_batch)\.bin$/.test(basename(name));

/**
 * The batch files a CIFAR-10 folder (cifar-10-batches-bin) holds for a split: `data_batch_*.bin` for
 * train, `test_batch.bin` for test. Without a split, train if present, else test.
 */
export async function cifarBatchFiles(folder: string, split?: 'train' | 'test'): Promise<string[]> {
  const names = (await readdir(folder)).filter(isCifarBatch).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const train = names.filter((name) => name.startsWith('data_batch_'));
  const test = names.filter((name) => name === 'test_batch.bin');
  const chosen = split === 'test' ? test : split === 'train' ? train : train.length > 0 ? train : test;
  return chosen.map((name) => join(folder, name));
}

/**
 * Reads CIFAR-10 binary batches record by record into decoded RGB images (the records are channels first,
 * RawImage wants channels last). A trailing partial
 * record or a label byte over 9 is bad input (skipped under lenient). Class names come from
 * `batches.meta.txt` next to the batches when present.
 */
export async function loadCifarBatches(
  source: string,
  files: string[],
  options: { maxSamples?: number; lenient?: boolean } = {},
): Promise<ImageDataset> {
  const labelNames = await readMetaNames(dirname(files[0]));
  const rows = new ImageRows<RawImageLike>(options.lenient ?? false);
  const limit = options.maxSamples ?? Infinity;
  const sizes: number[] = [];
  for (const file of files) {
    const handle = await open(file, 'r').catch(() => {
      throw inputError('cannot open the CIFAR-10 batch', { file });
    });
    sizes.push((await handle.stat()).size);
    await handle.close();
  }
  let count = 0;

  read: for (const [index, file] of files.entries()) {
    const size = sizes[index];
    if (size === 0) throw inputError('the CIFAR-10 batch is empty', { file });
    const handle = await open(file, 'r');
    try {
      const chunk = Buffer.alloc(RECORD * 1024);
      let record = 0;
      for (let offset = 0; offset < size; offset += chunk.length) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - offset), offset);
        for (let start = 0; start < bytesRead; start += RECORD) {
          record++;
          if (start + RECORD > bytesRead) {
            const why = `record ${record} is cut short (${bytesRead - start} of ${RECORD} bytes; the file size ${size} is not a multiple of ${RECORD})`;
            if (!options.lenient) throw inputError(why, { file, line: record });
            rows.skipped.add('truncated record', record, `${file}: ${why}`);
            break;
          }
          const label = chunk[start];
          if (label >= labelNames.length) {
            const why = `record ${record} has label ${label}; CIFAR-10 labels are 0-${labelNames.length - 1}`;
            if (!options.lenient) throw inputError(why, { file, line: record });
            rows.skipped.add('bad label', record, `${file}: ${why}`);
            continue;
          }
          const planes = chunk.subarray(start + 1, start + RECORD);
          rows.add(toImage(planes), planes, label, `${file}:${record}`, null, { file, line: record });
          if (++count >= limit) break read;
        }
      }
    } finally {
      await handle.close();
    }
  }
  if (count === 0) throw inputError('no usable images in the CIFAR-10 batches', { file: files[0] });
  return {
    source,
    images: rows.images,
    labels: Int32Array.from(rows.labels),
    labelNames,
    ids: rows.ids,
    contentHash: rows.contentHash(),
    skipped: rows.skipped.list(),
  };
}

/** One record's red, green and blue planes as an interleaved 32x32 RGB image. */
function toImage(planes: Uint8Array): RawImageLike {
  const area = SIDE * SIDE;
  const data = new Uint8Array(PIXELS);
  for (let p = 0; p < area; p++) for (let c = 0; c < 3; c++) data[p * 3 + c] = planes[c * area + p];
  return { data, width: SIDE, height: SIDE, channels: 3 };
}

async function readMetaNames(folder: string): Promise<string[]> {
  const text = await readFile(join(folder, 'batches.meta.txt'), 'utf8').catch(() => undefined);
  const names = text?.split('\n').map((line) => line.trim()).filter(Boolean);
  return names && names.length > 0 ? names : CIFAR10_LABELS;
}
