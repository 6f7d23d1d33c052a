import { inputError } from '../errors.ts';
import { lineProblem } from './delimited.ts';
import { readLines, MAX_LINE_BYTES, type LineResult } from './line-reader.ts';
import { problem, type Cell, type RawRecord, type RecordSource } from './records.ts';

const ARRAY_HINT = 'JSON Lines is expected: one {...} object per line, not one array';

type ObjectOrProblem = { line: number; object: Record<string, unknown> } | Extract<RawRecord, { problem: unknown }>;

function parseLine(result: LineResult): ObjectOrProblem | undefined {
  if ('problem' in result) return { line: result.line, problem: lineProblem(result.problem) };
  if (result.text.trim().length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(result.text);
  } catch (error) {
    // A pretty-printed JSON array opens with a lone `[`: say what format is expected rather than only why it fails.
    const hint = result.text.trimStart().startsWith('[') ? ` (${ARRAY_HINT})` : '';
    return { line: result.line, problem: problem('invalid JSON', `invalid JSON: ${(error as Error).message}${hint}`) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { line: result.line, problem: problem('invalid JSON', 'the line is JSON but not an object ({...})') };
  }
  return { line: result.line, object: value as Record<string, unknown> };
}

/**
 * Opens a JSON Lines file (one object per line, as MultiNLI ships `multinli_1.0_*.jsonl`). The columns
 * are the keys of the first object; a later object without a selected key gives an undefined cell,
 * which the dataset builder reports as a missing field.
 */
export async function openJsonl(file: string, options: { maxLineBytes?: number; fileSize?: number } = {}): Promise<RecordSource> {
  let bytesRead = 0;
  const lines = readLines(file, { maxLineBytes: options.maxLineBytes ?? MAX_LINE_BYTES, onBytes: (n) => (bytesRead = n) });
  const batches = (async function* (): AsyncGenerator<ObjectOrProblem[]> {
    for await (const batch of lines) yield batch.map(parseLine).filter((item) => item !== undefined);
  })()[Symbol.asyncIterator]();

  // The first readable object names the columns; bad lines before it stay for the builder to report.
  const leading: ObjectOrProblem[] = [];
  let first: Extract<ObjectOrProblem, { object: unknown }> | undefined;
  while (!first) {
    const next = await batches.next();
    if (next.done) break;
    leading.push(...next.value);
    first = next.value.find((item) => 'object' in item) as typeof first;
  }
  if (!first) {
    if (leading.length === 0) throw inputError('the file is empty (no JSON objects)', { file });
    const bad = leading[0] as Extract<ObjectOrProblem, { problem: unknown }>;
    const hint = file.toLowerCase().endsWith('.json') ? ` (${ARRAY_HINT})` : '';
    throw inputError(`no readable JSON object in the file: ${bad.problem.message}${hint}`, { file, line: bad.line });
  }
  const columns = Object.keys(first.object);

  return {
    file,
    columns,
    headerless: false,
    total: options.fileSize,
    async *records(select, onProgress) {
      const names = select.map((i) => columns[i]);
      const toRecord = (item: ObjectOrProblem): RawRecord =>
        'problem' in item ? item : { line: item.line, cells: names.map((name) => item.object[name] as Cell) };
      yield leading.map(toRecord);
      for (;;) {
        const next = await batches.next();
        if (next.done) break;
        onProgress?.(bytesRead);
        yield next.value.map(toRecord);
      }
      onProgress?.(bytesRead);
    },
  };
}
