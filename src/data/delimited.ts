import { inputError } from '../errors.ts';
import { isKnownLabel } from './labels.ts';
import { readLines, formatBytes, MAX_LINE_BYTES, type LineResult } from './line-reader.ts';
import { problem, type RawRecord, type RecordSource } from './records.ts';

type FieldsOrProblem = { line: number; fields: string[] } | Extract<RawRecord, { problem: unknown }>;

export interface DelimitedOptions {
  /** Class names the user gave: a first field equal to one of them marks a headerless file too. */
  labelNames?: readonly string[];
  maxLineBytes?: number;
  fileSize?: number;
}

/** Column order of the headerless NLI samples (`label premise hypothesis`, as in ../shared). */
export const HEADERLESS_COLUMNS = ['label', 'premise', 'hypothesis'];

/**
 * Opens a TSV (tab-separated, no quoting, as GLUE writes it: quotes are text) or CSV (RFC 4180) file.
 * The first line is the header unless it is a headerless NLI sample: three fields, the first a known
 * label and none of them a column name we would look for.
 */
export async function openDelimited(file: string, kind: 'tsv' | 'csv', options: DelimitedOptions = {}): Promise<RecordSource> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  let bytesRead = 0;
  const lines = readLines(file, { maxLineBytes, onBytes: (n) => (bytesRead = n) });
  const batches = (kind === 'tsv' ? tsvRecords(lines) : csvRecords(lines, maxLineBytes))[Symbol.asyncIterator]();
  let first = await batches.next();
  while (!first.done && first.value.length === 0) first = await batches.next();
  if (first.done) throw inputError('the file is empty (no header, no rows)', { file });
  const firstBatch = first.value;
  const head = firstBatch[0];
  if ('problem' in head) throw inputError(`cannot read the header: ${head.problem.message}`, { file, line: head.line });

  const headerless = looksHeaderless(head.fields, options.labelNames);
  const columns = headerless ? HEADERLESS_COLUMNS : head.fields.map((name) => name.trim());
  const what = headerless ? 'a headerless label/premise/hypothesis file has 3' : `the header has ${columns.length}`;
  const fieldsWord = kind === 'tsv' ? 'tab-separated fields' : 'fields';
  const toRecord = (record: FieldsOrProblem, select: number[]): RawRecord => {
    if ('problem' in record) return record;
    if (record.fields.length !== columns.length) {
      return { line: record.line, problem: problem('ragged row', `ragged row: ${record.fields.length} ${fieldsWord}, ${what}`) };
    }
    return { line: record.line, cells: select.map((i) => record.fields[i]) };
  };

  return {
    file,
    columns,
    headerless,
    total: options.fileSize,
    async *records(select, onProgress) {
      yield (headerless ? firstBatch : firstBatch.slice(1)).map((record) => toRecord(record, select));
      for (;;) {
        const next = await batches.next();
        if (next.done) break;
        onProgress?.(bytesRead);
        yield next.value.map((record) => toRecord(record, select));
      }
      onProgress?.(bytesRead);
    },
  };
}

const COLUMN_LIKE = /^(index|id|idx|label|gold_label|premise|hypothesis|sentence[12]?|text|text_pair|question[12]?)$/i;

function looksHeaderless(fields: string[], labelNames?: readonly string[]): boolean {
  return fields.length === 3 && isKnownLabel(fields[0].trim(), labelNames) && !fields.some((f) => COLUMN_LIKE.test(f.trim()));
}

/** TSV as GLUE and the MNLI distribution write it: fields split on tabs, nothing quoted; blank lines skipped. */
async function* tsvRecords(lines: AsyncIterable<LineResult[]>): AsyncGenerator<FieldsOrProblem[]> {
  for await (const batch of lines) {
    const records: FieldsOrProblem[] = [];
    for (const result of batch) {
      if ('problem' in result) records.push({ line: result.line, problem: lineProblem(result.problem) });
      else if (result.text.length > 0) records.push({ line: result.line, fields: result.text.split('\t') });
    }
    yield records;
  }
}

/** CSV records from batches of lines, batch for batch; a record may span batches. */
async function* csvRecords(lines: AsyncIterable<LineResult[]>, maxRecordBytes: number): AsyncGenerator<FieldsOrProblem[]> {
  const parser = new CsvParser(maxRecordBytes);
  for await (const batch of lines) {
    const records: FieldsOrProblem[] = [];
    for (const result of batch) {
      const record = parser.push(result);
      if (record) records.push(record);
    }
    yield records;
  }
  const last = parser.end();
  if (last) yield [last];
}

/**
 * RFC 4180 CSV, fed one physical line at a time: fields in double quotes may hold commas, line breaks
 * and doubled quotes. A record that spans lines is reported at its first line and is bounded by
 * `maxRecordBytes` like a single line. A quote inside an unquoted field is kept as text (common in
 * hand-made files); text after a closing quote, or a quote left open at the end of the file, is a bad row.
 */
export class CsvParser {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private startLine = 0;
  private size = 0;
  private broken: string | undefined;

  constructor(private readonly maxRecordBytes: number) {}

  /** Returns the record this line completes, if any. */
  push(result: LineResult): FieldsOrProblem | undefined {
    if (!this.inQuotes) {
      this.fields = [];
      this.field = '';
      this.startLine = result.line;
      this.size = 0;
      this.broken = undefined;
    }
    if ('problem' in result) {
      if (!this.inQuotes) return { line: result.line, problem: lineProblem(result.problem) };
      // A bad physical line ruins the quoted record it belongs to.
      this.broken ??= `line ${result.line}: ${result.problem}`;
      return undefined;
    }
    const text = result.text;
    if (!this.inQuotes && text.length === 0) return undefined;
    if (this.inQuotes) this.field += '\n';
    this.size += text.length + 1;
    if (this.size > this.maxRecordBytes) this.broken ??= `a quoted field runs past ${formatBytes(this.maxRecordBytes)} (unclosed quote?)`;
    if (this.broken) {
      // Only track quotes, to find where the broken record ends.
      for (const ch of text) if (ch === '"') this.inQuotes = !this.inQuotes;
      return this.inQuotes ? undefined : { line: this.startLine, problem: problem('bad CSV quoting', this.broken) };
    }
    let afterQuote = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.inQuotes) {
        if (ch !== '"') this.field += ch;
        else if (text[i + 1] === '"') {
          this.field += '"';
          i++;
        } else {
          this.inQuotes = false;
          afterQuote = true;
        }
      } else if (ch === ',') {
        this.fields.push(this.field);
        this.field = '';
        afterQuote = false;
      } else if (afterQuote) {
        this.inQuotes = false;
        const message = `text after a closing quote in field ${this.fields.length + 1} (quotes inside a quoted field must be doubled)`;
        return { line: this.startLine, problem: problem('bad CSV quoting', message) };
      } else if (ch === '"' && this.field.length === 0) {
        this.inQuotes = true;
      } else {
        this.field += ch;
      }
    }
    if (this.inQuotes) return undefined;
    this.fields.push(this.field);
    return { line: this.startLine, fields: this.fields };
  }

  /** The record left open at the end of the file, if any. */
  end(): FieldsOrProblem | undefined {
    if (!this.inQuotes) return undefined;
    return { line: this.startLine, problem: problem('bad CSV quoting', this.broken ?? 'a quoted field is still open at the end of the file') };
  }
}

/** Groups the line reader's problems into summary reasons. */
export function lineProblem(message: string) {
  return problem(message.startsWith('invalid UTF-8') ? 'invalid UTF-8' : 'line too long', message);
}
