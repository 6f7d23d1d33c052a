import { runtimeError } from '../errors.ts';
import { checkAttentionShape, headMatrix, type AttentionEntry } from './attention-entry.ts';
import { writeTextFileAtomically, type TextSink } from './attention-file.ts';
import type { AttentionSelection } from './attention-selection.ts';

export type NumberFormat = (value: number) => string;

/** Six significant digits: float32 holds about seven, and probabilities keep an absolute error under 5e-7. */
export const sixSignificantDigits: NumberFormat = (value) => String(+value.toPrecision(6));

/**
 * The metadata of one entry in the order it is written. Single inputs get the bertviz keys plus the
 * selected `layers` / `heads`; entries of a file also say which input they are.
 */
export function entryMetadata(entry: AttentionEntry, selection: AttentionSelection, multi: boolean): Record<string, unknown> {
  const { result, input } = entry;
  const identity = multi
    ? { index: entry.index, line: entry.line ?? null, text: input.text, text_pair: input.textPair ?? null }
    : {};
  return {
    ...identity,
    tokens: result.tokens,
    sentence_b_start: result.sentenceBStart,
    layers: selection.layers,
    heads: selection.heads,
  };
}

/** Writes `[layer][head][i][j]` for the selection, one head at a time so no whole-dump string is built. */
export async function writeAttentionArray(
  sink: TextSink,
  entry: AttentionEntry,
  selection: AttentionSelection,
  format: NumberFormat,
): Promise<void> {
  const seq = checkAttentionShape(entry.result, selection);
  const row = new Array<string>(seq);
  await sink.write('[');
  for (const [l, layer] of selection.layers.entries()) {
    const headParts: string[] = [];
    for (const head of selection.heads) {
      const matrix = headMatrix(entry.result, layer, head);
      const rows = new Array<string>(seq);
      for (let i = 0; i < seq; i++) {
        for (let j = 0; j < seq; j++) {
          const value = matrix[i * seq + j];
          if (!Number.isFinite(value)) {
            throw runtimeError(`attention of input ${entry.index + 1}, layer ${layer}, head ${head} holds ${value} at [${i}][${j}]`);
          }
          row[j] = format(value);
        }
        rows[i] = `[${row.join(',')}]`;
      }
      headParts.push(`[${rows.join(',')}]`);
    }
    await sink.write(`${l > 0 ? ',' : ''}[${headParts.join(',')}]`);
  }
  await sink.write(']');
}

/** One entry as a JSON object: metadata first, the (large) attention array last; `encode` post-processes the metadata text. */
export async function writeAttentionObject(
  sink: TextSink,
  entry: AttentionEntry,
  selection: AttentionSelection,
  multi: boolean,
  format: NumberFormat,
  encode: (json: string) => string = (json) => json,
): Promise<void> {
  const metadata = encode(JSON.stringify(entryMetadata(entry, selection, multi)));
  await sink.write(`${metadata.slice(0, -1)},"attention":`);
  await writeAttentionArray(sink, entry, selection, format);
  await sink.write('}');
}

/**
 * Writes the JSON dump atomically. A single input is one bertviz object; a file of inputs is a JSON array
 * with one object per input, written as each arrives, so memory holds one input's attention at a time.
 * Returns the number of entries written.
 */
export async function writeAttentionJson(
  path: string,
  entries: AsyncIterable<AttentionEntry>,
  selection: AttentionSelection,
  options: { multi: boolean },
): Promise<number> {
  let count = 0;
  await writeTextFileAtomically(path, async (sink) => {
    if (options.multi) await sink.write('[\n');
    for await (const entry of entries) {
      if (!options.multi && count > 0) throw runtimeError('a single-input JSON dump got more than one input');
      if (options.multi && count > 0) await sink.write(',\n');
      await writeAttentionObject(sink, entry, selection, options.multi, sixSignificantDigits);
      count++;
    }
    await sink.write(options.multi ? '\n]\n' : '\n');
  });
  return count;
}
