import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { inputError } from '../errors.ts';
import type { RecordSource } from './records.ts';

/**
 * Opens a Parquet file (Hugging Face datasets layout: one column per feature, ClassLabel as integers)
 * with hyparquet. Rows are read one row group at a time and only for the selected columns, so a large
 * shard is never decoded whole.
 */
export async function openParquet(file: string): Promise<RecordSource> {
  let buffer;
  let metadata;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw inputError(`not a readable Parquet file: ${(error as Error).message}`, { file });
  }
  const columns = parquetSchema(metadata).children.map((child) => child.element.name);
  const total = Number(metadata.num_rows);
  const file_ = buffer;
  const meta = metadata;

  return {
    file,
    columns,
    headerless: false,
    total,
    async *records(select, onProgress) {
      const names = select.map((i) => columns[i]);
      let rowStart = 0;
      for (const group of meta.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        let rows;
        try {
          rows = await parquetReadObjects({ file: file_, metadata: meta, columns: names, rowStart, rowEnd });
        } catch (error) {
          throw inputError(`cannot decode Parquet rows ${rowStart + 1}-${rowEnd}: ${(error as Error).message}`, { file });
        }
        for (let i = 0; i < rows.length; i++) {
          yield { line: rowStart + i + 1, cells: names.map((name) => rows[i][name]) };
        }
        rowStart = rowEnd;
        onProgress?.(rowStart);
      }
    },
  };
}
