/** A value read from one field of a row, before it is checked. */
export type Cell = string | number | bigint | boolean | null | undefined | object;

/** A row as a reader produced it: cells for the selected columns, or why the row could not be read. */
export type RawRecord = { line: number; cells: Cell[] } | { line: number; problem: RowProblem };

/** `reason` groups skipped rows in the summary; `message` is the full one-line explanation. */
export interface RowProblem {
  reason: string;
  message: string;
}

/** A readable table: its columns are known before any row is read, so columns can be resolved first. */
export interface RecordSource {
  file: string;
  columns: string[];
  /** True when the file has no header and `columns` are the assumed `label premise hypothesis`. */
  headerless: boolean;
  /** Class names a column declares itself (Hugging Face ClassLabel metadata in Parquet), by column. */
  classLabels?: Record<string, string[]>;
  /** Why a column's declared class names cannot be used (ANY_COLUMN: the whole declaration is unreadable). */
  classLabelProblems?: Record<string, string>;
  /** Total progress units (bytes for text files, rows for Parquet), when known. */
  total?: number;
  /** Rows in file order, in batches, with cells for the given column indices only. */
  records(select: number[], onProgress?: (done: number) => void): AsyncIterable<RawRecord[]>;
}

/** Key of classLabelProblems for a problem that concerns every column. */
export const ANY_COLUMN = '*';

export const problem = (reason: string, message: string): RowProblem => ({ reason, message });
