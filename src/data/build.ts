import { createHash } from 'node:crypto';
import { inputError, usageError } from '../errors.ts';
import { resolveColumns, type ColumnChoice, type ColumnMapping } from './columns.ts';
import { deriveLabelNames, labelIndex, readLabelCell } from './labels.ts';
import { ANY_COLUMN, problem, type Cell, type RecordSource, type RowProblem } from './records.ts';
import { SkipLog } from './skipped.ts';
import { closest } from '../core/suggest.ts';
import type { TextDataset } from './types.ts';

export interface BuildOptions extends ColumnChoice {
  /** Class names given by the user or known for the source (GLUE MNLI); else derived from the data. */
  labelNames?: readonly string[];
  lenient?: boolean;
  maxSamples?: number;
  onProgress?: (info: { phase: 'read'; done: number; total?: number }) => void;
}

/**
 * Reads rows from one or more sources (the shards of one split) into a TextDataset: checks each text and
 * label, skips rows without a gold label, and either stops at the first bad row with an input error
 * naming file and line, or (lenient) skips it and records why.
 */
export async function buildTextDataset(source: string, inputs: RecordSource[], options: BuildOptions = {}): Promise<TextDataset> {
  const maxSamples = options.maxSamples ?? Infinity;
  if (!(maxSamples >= 1) || (maxSamples !== Infinity && !Number.isInteger(maxSamples))) {
    throw usageError(`must be a positive integer, not ${options.maxSamples}`, '--max-samples');
  }
  const skipped = new SkipLog();
  const texts: string[] = [];
  const pairs: string[] = [];
  const lines: number[] = [];
  const labelKeys: string[] = [];
  const keyFirstSeen = new Map<string, { file: string; line: number }>();
  let given = options.labelNames;
  let hasPairs = false;
  let hasLabels = false;
  let columns: TextDataset['columns'];
  let lineOffset = 0;
  const total = inputs.every((input) => input.total !== undefined)
    ? inputs.reduce((sum, input) => sum + (input.total ?? 0), 0)
    : undefined;
  let progressBase = 0;

  read: for (const [sourceIndex, input] of inputs.entries()) {
    const mapping = resolveColumns(input.columns, options, input.file);
    if (sourceIndex > 0 && (mapping.pair !== null) !== hasPairs) {
      throw inputError(`this shard ${hasPairs ? 'lacks' : 'has'} a text-pair column unlike the first one`, { file: input.file });
    }
    hasPairs = mapping.pair !== null;
    hasLabels ||= mapping.label !== null;
    columns ??= { text: mapping.names.text, pair: mapping.names.pair };
    // Names declared in the file (HF ClassLabel) count as given, unless the user or the source named them.
    if (!given && mapping.label !== null) {
      // Names the file declares badly are refused, not replaced silently by names made up from the data.
      const declared = input.classLabelProblems?.[mapping.names.label!] ?? input.classLabelProblems?.[ANY_COLUMN];
      if (declared) throw inputError(`${declared}; name the classes with --label-names`, { file: input.file });
      given = input.classLabels?.[mapping.names.label!];
    }
    const select = [mapping.text, mapping.pair ?? mapping.text, mapping.label ?? mapping.text];
    const reject = (line: number, why: RowProblem) => {
      if (!options.lenient) throw inputError(why.message, { file: input.file, line });
      skipped.add(why.reason, lineOffset + line, `${input.file}:${line}: ${why.message}`);
    };
    let lastLine = 0;
    const onProgress = options.onProgress && ((done: number) => options.onProgress!({ phase: 'read', done: progressBase + done, total }));

    for await (const batch of input.records(select, onProgress)) {
      for (const record of batch) {
        lastLine = record.line;
        if ('problem' in record) {
          reject(record.line, record.problem);
          continue;
        }
        const [textCell, pairCell, labelCell] = record.cells;
        const textProblem = checkText(textCell, mapping.names.text) ?? (hasPairs ? checkText(pairCell, mapping.names.pair!) : undefined);
        if (textProblem) {
          reject(record.line, textProblem);
          continue;
        }
        let key = '';
        if (mapping.label !== null) {
          const label = readLabelCell(labelCell);
          if ('missing' in label) {
            skipped.add('no gold label', lineOffset + record.line);
            continue;
          }
          if ('invalid' in label) {
            reject(record.line, problem('bad label', `${label.invalid} (column '${mapping.names.label}')`));
            continue;
          }
          if (given && labelIndex(label.key, given) < 0) {
            reject(record.line, unknownLabel(label.key, given, options.lenient === true, mapping));
            continue;
          }
          key = label.key;
          if (!keyFirstSeen.has(key)) keyFirstSeen.set(key, { file: input.file, line: record.line });
        }
        texts.push(textCell as string);
        if (hasPairs) pairs.push(pairCell as string);
        labelKeys.push(key);
        lines.push(lineOffset + record.line);
        if (texts.length >= maxSamples) break read;
      }
    }
    lineOffset += lastLine;
    progressBase += input.total ?? 0;
  }

  let labels: Int32Array | null = null;
  let labelNames: readonly string[] = [];
  let keep: number[] | null = null;
  if (hasLabels) {
    labelNames = given ?? deriveLabelNames(keyFirstSeen.keys());
    const indexOf = new Map([...keyFirstSeen.keys()].map((key) => [key, labelIndex(key, labelNames)]));
    for (const [key, index] of indexOf) {
      if (index >= 0 || options.lenient) continue;
      const { file, line } = keyFirstSeen.get(key)!;
      throw inputError(unknownLabel(key, labelNames, false).message, { file, line });
    }
    keep = [];
    const kept: number[] = [];
    for (let row = 0; row < labelKeys.length; row++) {
      const index = indexOf.get(labelKeys[row])!;
      if (index < 0) {
        const { file, line } = keyFirstSeen.get(labelKeys[row])!;
        skipped.add('unknown label', lines[row], `${file}:${line}: ${unknownLabel(labelKeys[row], labelNames, true).message}`);
        continue;
      }
      keep.push(row);
      kept.push(index);
    }
    labels = Int32Array.from(kept);
  }
  const pick = <T>(values: T[]): T[] => (keep && keep.length !== values.length ? keep.map((row) => values[row]) : values);
  const dataset: TextDataset = {
    source,
    texts: pick(texts),
    textPairs: hasPairs ? pick(pairs) : null,
    ...(columns ? { columns } : {}),
    labels,
    labelNames: [...labelNames],
    lines: Int32Array.from(pick(lines)),
    contentHash: '',
    skipped: skipped.list(),
  };
  if (dataset.texts.length === 0) {
    const message =
      skipped.total > 0
        ? `no usable rows: all ${skipped.total} rows were skipped (${skipped.list().map((s) => s.reason).join(', ')})`
        : 'no data rows';
    throw inputError(message, { file: inputs[inputs.length - 1]?.file ?? source });
  }
  dataset.contentHash = hashRows(dataset);
  return dataset;
}

function checkText(cell: Cell, column: string): RowProblem | undefined {
  if (cell === undefined || cell === null) return problem('missing text', `no value in column '${column}'`);
  if (typeof cell !== 'string') return problem('missing text', `column '${column}' holds ${typeof cell === 'object' ? 'an object' : `a ${typeof cell}`}, not text`);
  if (cell.trim().length === 0) return problem('empty text', `empty text in column '${column}'`);
  return undefined;
}

/**
 * A label that is a slip of a known one (`entailmnt`, `Contradiction`) is a row to fix, not a new class:
 * it names the likely label and the fixes that keep the classes as they are.
 */
function unknownLabel(key: string, names: readonly string[], lenient: boolean, mapping?: ColumnMapping): RowProblem {
  const column = mapping ? ` in column '${mapping.names.label}'` : '';
  const meant = /^\d+$/.test(key) ? undefined : closest(key, names);
  if (meant) {
    const fix = lenient ? '' : '; fix the row, or pass --lenient to skip rows like it';
    return problem('unknown label', `unknown label '${key}'${column} (did you mean '${meant}'?)${fix}`);
  }
  return problem('unknown label', `unknown label '${key}'${column}; expected one of ${names.join(', ')} (or 0-${names.length - 1}); correct the row, pass --lenient to skip it, or --label-names to widen the set`);
}

/**
 * sha256 over kept rows: text, pair and label name, each length-prefixed (so no separator can be faked
 * by the text), fed to the hash in ~1 MB strings rather than row by row.
 */
function hashRows(dataset: TextDataset): string {
  const hash = createHash('sha256');
  hash.update(`labels:${JSON.stringify(dataset.labelNames)}\n`);
  let pending: string[] = [];
  let pendingLength = 0;
  for (let row = 0; row < dataset.texts.length; row++) {
    const text = dataset.texts[row];
    const pair = dataset.textPairs ? dataset.textPairs[row] : '';
    const label = dataset.labels ? dataset.labelNames[dataset.labels[row]] : '';
    const entry = `${text.length}:${text}${pair.length}:${pair}${label.length}:${label}\n`;
    pending.push(entry);
    pendingLength += entry.length;
    if (pendingLength > 1 << 20) {
      hash.update(pending.join(''));
      pending = [];
      pendingLength = 0;
    }
  }
  hash.update(pending.join(''));
  return hash.digest('hex');
}
