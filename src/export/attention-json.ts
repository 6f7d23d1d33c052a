import { runtimeError } from '../errors.ts';
import { checkAttentionShape, headMatrix, type AttentionEntry } from './attention-entry.ts';
import { writeTextFileAtomically, type TextSink } from './attention-file.ts';
import type { AttentionSelection } from './attention-selection.ts';

export type NumberFormat = (value: number) => string;

/** Six significant digits: float32 holds about seven, and probabilities keep an absolute error under 5e-7. */
export const sixSignificantDigits: NumberFormat = (value) => String(+value.toPrecision(6));

/**
 * The metadata of one entry in the order it is written. Single inputs get the bertviz keys plus
 * `layers` / `heads`, the model layer and head numbers that hold data in `attention`; entries of a file
 * also say which input they are.
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

/**
 * Writes `attention[layer][head][i][j]` indexed by the model's own layer and head numbers, one head at a
 * time so no whole-dump string is built. Without a selection this is exactly bertviz's layout; with one,
 * the arrays keep the model's length and a layer or head that was not exported is an empty array, so
 * `attention[3]` is layer 3 whatever `--layers` said (the `layers` / `heads` keys list what is there).
 */
export async function writeAttentionArray(
  sink: TextSink,
  entry: AttentionEntry,
  selection: AttentionSelection,
  format: NumberFormat,
): Promise<void> {
  const seq = checkAttentionShape(entry.result, selection);
  const exportedLayers = new Set(selection.layers);
  const exportedHeads = new Set(selection.heads);
  const row = new Array<string>(seq);
  await sink.write('[');
  for (let layer = 0; layer < entry.result.layers.length; layer++) {
    if (!exportedLayers.has(layer)) {
      await sink.write(`${layer > 0 ? ',' : ''}[]`);
      continue;
    }
    const headParts: string[] = [];
    for (let head = 0; head < entry.result.numHeads; head++) {
      if (!exportedHeads.has(head)) {
        headParts.push('[]');
        continue;
      }
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
    await sink.write(`${layer > 0 ? ',' : ''}[${headParts.join(',')}]`);
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
