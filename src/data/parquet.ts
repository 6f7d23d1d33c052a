import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { inputError } from '../errors.ts';
import { ANY_COLUMN, type RecordSource } from './records.ts';

/**
 * Opens a Parquet file (Hugging Face datasets layout: one column per feature, ClassLabel as integers)
 * with hyparquet. Rows are read one row group at a time and only for the selected columns, so a large
 * shard is never decoded whole.
 */
export async function openParquet(file: string, options: { binary?: boolean } = {}): Promise<RecordSource> {
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
    ...huggingFaceClassLabels(metadata.key_value_metadata),
    total,
    async *records(select, onProgress) {
      const names = select.map((i) => columns[i]);
      let rowStart = 0;
      for (const group of meta.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        let rows;
        try {
          // binary: un-annotated byte arrays (an Image struct's `bytes`) stay bytes instead of being read as UTF-8.
          rows = await parquetReadObjects({ file: file_, metadata: meta, columns: names, rowStart, rowEnd, ...(options.binary ? { utf8: false } : {}) });
        } catch (error) {
          throw inputError(`cannot decode Parquet rows ${rowStart + 1}-${rowEnd}: ${(error as Error).message}`, { file });
        }
        const first = rowStart + 1;
        rowStart = rowEnd;
        onProgress?.(rowStart);
        yield rows.map((row, i) => ({ line: first + i, cells: names.map((name) => row[name]) }));
      }
    },
  };
}

/**
 * Files written by Hugging Face `datasets` carry their features as JSON under the `huggingface` key:
 * `{"info": {"features": {"label": {"_type": "ClassLabel", "names": [...]}}}}`. Metadata that is broken
 * is reported per column (or for the whole file), so the reader refuses it where it would name the labels
 * rather than silently naming them from the data.
 */
function huggingFaceClassLabels(metadata: { key: string; value?: string }[] | undefined): Pick<RecordSource, 'classLabels' | 'classLabelProblems'> {
  const raw = metadata?.find((entry) => entry.key === 'huggingface')?.value;
  if (!raw) return {};
  let features: Record<string, { _type?: string; names?: unknown }> | undefined;
  try {
    features = (JSON.parse(raw) as { info?: { features?: Record<string, { _type?: string; names?: unknown }> } }).info?.features;
  } catch (error) {
    return { classLabelProblems: { [ANY_COLUMN]: `the file's Hugging Face metadata is not valid JSON (${(error as Error).message})` } };
  }
  const labels: Record<string, string[]> = {};
  const problems: Record<string, string> = {};
  for (const [name, feature] of Object.entries(features ?? {})) {
    if (feature?._type !== 'ClassLabel') continue;
    if (Array.isArray(feature.names) && feature.names.every((n) => typeof n === 'string')) labels[name] = feature.names as string[];
    else problems[name] = `the file's Hugging Face metadata declares column '${name}' a ClassLabel but gives no list of names`;
  }
  return {
    ...(Object.keys(labels).length > 0 ? { classLabels: labels } : {}),
    ...(Object.keys(problems).length > 0 ? { classLabelProblems: problems } : {}),
  };
}
