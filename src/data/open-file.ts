import { open, stat } from 'node:fs/promises';
import { inputError, usageError } from '../errors.ts';
import { openDelimited } from './delimited.ts';
import { TEXT_FORMATS, type TextFormat } from './formats.ts';
import { openJsonl } from './jsonl.ts';
import type { RecordSource } from './records.ts';

/** Checks that `file` is a readable regular file, turning fs errors into one-line input errors. */
export async function checkReadable(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw inputError('is a directory, not a data file', { file });
    const handle = await open(file, 'r');
    await handle.close();
    return info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const hubLike = /^[\w.-]+\/[\w.-]+(\/[\w.-]+)?$/.test(file);
      throw inputError(`file not found${hubLike ? ' (for a hub dataset add the split, e.g. glue/mnli:validation_matched)' : ''}`, { file });
    }
    if (code === 'EACCES' || code === 'EPERM') throw inputError('cannot read the file (permission denied)', { file });
    if (code) throw inputError(`cannot read the file (${code})`, { file });
    throw error;
  }
}

/** Format from the extension (`.gz` looked through), else from the first bytes. */
export async function detectFormat(file: string): Promise<TextFormat> {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.parquet')) return 'parquet';
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  if (name.endsWith('.tsv') || name.endsWith('.tab')) return 'tsv';
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(4096), position: 0 });
    const head = buffer.subarray(0, bytesRead);
    if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
    const firstLine = head.toString('utf8').replace(/^\ufeff/, '').split('\n')[0];
    if (firstLine.trimStart().startsWith('{')) return 'jsonl';
    if (firstLine.includes('\t')) return 'tsv';
    if (firstLine.includes(',')) return 'csv';
    return 'tsv';
  } finally {
    await handle.close();
  }
}

/** Opens a local data file as a RecordSource of the given (or detected) format. */
export async function openDataFile(
  file: string,
  options: { format?: TextFormat | 'auto'; labelNames?: readonly string[]; binary?: boolean } = {},
): Promise<RecordSource> {
  const size = await checkReadable(file);
  if (size === 0) throw inputError('the file is empty', { file });
  const format = !options.format || options.format === 'auto' ? await detectFormat(file) : options.format;
  // hyparquet loads only for Parquet input: a TSV predict does not pay for it.
  if (format === 'parquet') return (await import('./parquet.ts')).openParquet(file, { binary: options.binary });
  if (format === 'jsonl') return openJsonl(file, { fileSize: size });
  if (format === 'tsv' || format === 'csv') return openDelimited(file, format, { labelNames: options.labelNames, fileSize: size });
  throw usageError(`unknown format '${format as string}'; valid formats: auto, ${TEXT_FORMATS.join(', ')}`, '--format');
}
