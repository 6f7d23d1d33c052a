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
  const records = (kind === 'tsv' ? tsvRecords(lines) : csvRecords(lines, maxLineBytes))[Symbol.asyncIterator]();
  const first = await records.next();
  if (first.done) throw inputError('the file is empty (no header, no rows)', { file });
  const head = first.value;
  if ('problem' in head) throw inputError(`cannot read the header: ${head.problem.message}`, { file, line: head.line });

  const headerless = looksHeaderless(head.fields, options.labelNames);
  const columns = headerless ? HEADERLESS_COLUMNS : head.fields.map((name) => name.trim());
  const firstData = headerless ? head : undefined;

  return {
    file,
    columns,
    headerless,
    total: options.fileSize,
    async *records(select, onProgress) {
      let pending: FieldsOrProblem | undefined = firstData;
      for (;;) {
        let record: FieldsOrProblem;
        if (pending) {
          record = pending;
          pending = undefined;
        } else {
          const next = await records.next();
          if (next.done) break;
          record = next.value;
          onProgress?.(bytesRead);
        }
        if ('problem' in record) {
          yield record;
        } else if (record.fields.length !== columns.length) {
          const what = headerless ? 'a headerless label/premise/hypothesis file has 3' : `the header has ${columns.length}`;
          yield {
            line: record.line,
            problem: problem('ragged row', `ragged row: ${record.fields.length} ${kind === 'tsv' ? 'tab-separated ' : ''}fields, ${what}`),
          };
        } else {
          yield { line: record.line, cells: select.map((i) => record.fields[i]) };
        }
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
async function* tsvRecords(lines: AsyncIterable<LineResult>): AsyncGenerator<FieldsOrProblem> {
  for await (const result of lines) {
    if ('problem' in result) yield { line: result.line, problem: lineProblem(result.problem) };
    else if (result.text.length > 0) yield { line: result.line, fields: result.text.split('\t') };
  }
}

/**
 * RFC 4180 CSV: fields in double quotes may hold commas, line breaks and doubled quotes. A record that
 * spans lines is reported at its first line and is bounded by `maxRecordBytes` like a single line.
 * A quote inside an unquoted field is kept as text (common in hand-made files); text after a closing
 * quote, or a quote left open at the end of the file, is a bad row.
 */
export async function* csvRecords(lines: AsyncIterable<LineResult>, maxRecordBytes: number): AsyncGenerator<FieldsOrProblem> {
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let startLine = 0;
  let size = 0;
  let broken: string | undefined;

  for await (const result of lines) {
    if (!inQuotes) {
      fields = [];
      field = '';
      startLine = result.line;
      size = 0;
      broken = undefined;
    }
    if ('problem' in result) {
      // A bad physical line ruins the record it belongs to; skip the rest of an open quoted record too.
      if (!inQuotes) {
        yield { line: result.line, problem: lineProblem(result.problem) };
        continue;
      }
      broken ??= `line ${result.line}: ${result.problem}`;
      continue;
    }
    const text = result.text;
    if (!inQuotes && text.length === 0) continue;
    if (inQuotes) field += '\n';
    size += text.length + 1;
    if (size > maxRecordBytes) broken ??= `a quoted field runs past ${formatBytes(maxRecordBytes)} (unclosed quote?)`;
    if (broken) {
      // Keep scanning quotes only to find where the broken record ends.
      for (const ch of text) if (ch === '"') inQuotes = !inQuotes;
      if (!inQuotes) yield { line: startLine, problem: problem('bad CSV quoting', broken) };
      continue;
    }
    let afterQuote = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (inQuotes) {
        if (ch !== '"') field += ch;
        else if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
          afterQuote = true;
        }
      } else if (ch === ',') {
        fields.push(field);
        field = '';
        afterQuote = false;
      } else if (afterQuote) {
        broken = `text after a closing quote in field ${fields.length + 1} (quotes inside a quoted field must be doubled)`;
        break;
      } else if (ch === '"' && field.length === 0) {
        inQuotes = true;
      } else {
        field += ch;
      }
    }
    if (broken) {
      yield { line: startLine, problem: problem('bad CSV quoting', broken) };
      inQuotes = false;
      continue;
    }
    if (!inQuotes) {
      fields.push(field);
      yield { line: startLine, fields };
    }
  }
  if (inQuotes) {
    yield { line: startLine, problem: problem('bad CSV quoting', broken ?? 'a quoted field is still open at the end of the file') };
  }
}

/** Groups the line reader's problems into summary reasons. */
export function lineProblem(message: string) {
  return problem(message.startsWith('invalid UTF-8') ? 'invalid UTF-8' : 'line too long', message);
}
