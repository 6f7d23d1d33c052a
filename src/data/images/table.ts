import { dirname, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { inputError } from '../../errors.ts';
import type { ImageInput } from '../../core/index.ts';
import { deriveLabelNames, labelIndex, readLabelCell } from '../labels.ts';
import type { Cell, RecordSource } from '../records.ts';
import type { ImageDataset } from '../types.ts';
import { ImageRows, imageProblem } from './check.ts';

const IMAGE_COLUMNS = ['image', 'img', 'path', 'file', 'filename', 'image_path'];
const LABEL_COLUMNS = ['label', 'labels', 'class', 'fine_label'];

export interface ImageTableOptions {
  imageColumn?: string;
  labelColumn?: string;
  labelNames?: readonly string[];
  maxSamples?: number;
  lenient?: boolean;
}

/**
 * Rows of CSV / JSONL / Parquet tables whose image column holds a path (relative to the table's folder)
 * or a Hugging Face Image struct `{bytes, path}` (as `uoft-cs/cifar10` stores `img`), with a label column
 * (names, or ClassLabel integers named by the Parquet metadata).
 */
export async function buildImageTable(source: string, tables: RecordSource[], options: ImageTableOptions = {}): Promise<ImageDataset> {
  const first = tables[0];
  const image = pickColumn(first, options.imageColumn, IMAGE_COLUMNS, 'image', '--image-column');
  const label = pickColumn(first, options.labelColumn, LABEL_COLUMNS, 'label', '--label-column');
  const declared = first.classLabels?.[first.columns[label]];
  const pending: { input: ImageInput; bytes: Uint8Array; key: string; id: string; problem: string | null; where: { file: string; line: number } }[] = [];
  const limit = options.maxSamples ?? Infinity;
  for (const table of tables) {
    for await (const batch of table.records([image, label])) {
      for (const record of batch) {
        if (pending.length >= limit) break;
        const where = { file: table.file, line: record.line };
        if ('problem' in record) throw inputError(record.problem.message, where);
        const key = readLabelCell(record.cells[1]);
        if ('missing' in key) continue;
        if ('invalid' in key) throw inputError(key.invalid, where);
        const cell = await readImageCell(record.cells[0], table.file, where);
        pending.push({ ...cell, key: key.key, id: cell.id ?? `${table.file}:${record.line}`, problem: cell.problem, where });
      }
    }
  }
  const labelNames = [...(options.labelNames ?? declared ?? deriveLabelNames(pending.map((p) => p.key)))];
  const rows = new ImageRows<ImageInput>(options.lenient ?? false);
  for (const row of pending) {
    const index = labelIndex(row.key, labelNames);
    if (index < 0) throw inputError(`unknown label '${row.key}' (classes: ${labelNames.join(', ')})`, row.where);
    rows.add(row.input, row.bytes, index, row.id, row.problem, row.where);
  }
  if (rows.images.length === 0) throw inputError('no usable images', { file: source });
  return { source, images: rows.images, labels: Int32Array.from(rows.labels), labelNames, ids: rows.ids, contentHash: rows.contentHash(), skipped: rows.skipped.list() };
}

function pickColumn(table: RecordSource, given: string | undefined, common: string[], what: string, flag: string): number {
  const lower = table.columns.map((c) => c.toLowerCase());
  const index = given !== undefined ? lower.indexOf(given.toLowerCase()) : lower.findIndex((c) => common.includes(c));
  if (index < 0) {
    throw inputError(`${given !== undefined ? `no column '${given}'` : `no ${what} column`} (columns: ${table.columns.join(', ')}); name it with ${flag}`, { file: table.file });
  }
  return index;
}

/** A path cell (read and checked) or an Image struct's bytes. */
async function readImageCell(cell: Cell, table: string, where: { file: string; line: number }): Promise<{ input: ImageInput; bytes: Uint8Array; id?: string; problem: string | null }> {
  if (typeof cell === 'string' && cell.trim() !== '') {
    const path = resolve(dirname(table), cell.trim());
    const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      throw inputError(`${error.code === 'ENOENT' ? 'image file not found' : `cannot read the image (${error.code})`}: ${path}`, where);
    });
    return { input: path, bytes, id: path, problem: await imageProblem(bytes, path) };
  }
  if (cell && typeof cell === 'object' && 'bytes' in cell) {
    const raw = (cell as { bytes?: unknown; path?: unknown }).bytes;
    const name = String((cell as { path?: unknown }).path ?? '');
    const bytes = raw instanceof Uint8Array ? raw : new Uint8Array(0);
    return { input: bytes, bytes, problem: await imageProblem(bytes, name) };
  }
  throw inputError(`the image cell is neither a path nor an image struct {bytes, path}: ${JSON.stringify(cell)?.slice(0, 80)}`, where);
}
