import { extname } from 'node:path';
import { inputError } from '../errors.ts';
import type { AttentionEntry } from './attention-entry.ts';
import { writeAttentionHtml } from './attention-html.ts';
import { writeAttentionJson } from './attention-json.ts';
import { writeAttentionNpy } from './attention-npy.ts';
import { resolveSelection, type AttentionSelection, type SelectionSpec } from './attention-selection.ts';

export const ATTENTION_FORMATS = ['json', 'npy', 'html'] as const;
export type AttentionFormat = (typeof ATTENTION_FORMATS)[number];

/** `.json` → json, `.html`/`.htm` → html; anything else names the npy output directory. */
export function formatFromPath(path: string): AttentionFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.html' || ext === '.htm') return 'html';
  return 'npy';
}

export interface AttentionExportOptions {
  format: AttentionFormat;
  out: string;
  selection: SelectionSpec;
  /** A file of inputs (array / subfolders / input selector) rather than one input. */
  multi: boolean;
  /** Number of inputs when known, for the npy subfolder names. */
  total?: number;
  /** Shown in the HTML page, e.g. the model id. */
  title?: string;
}

export interface AttentionExportSummary {
  count: number;
  selection: AttentionSelection;
  numLayers: number;
  numHeads: number;
}

/**
 * Writes attention entries in one format, atomically. The selection is checked against the first entry's
 * layer and head counts before anything is written, so a bad --layers/--heads leaves no output behind.
 */
export async function exportAttention(
  entries: AsyncIterable<AttentionEntry>,
  options: AttentionExportOptions,
): Promise<AttentionExportSummary> {
  const iterator = entries[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw inputError('there are no inputs to compute attention for');
  const { result } = first.value;
  const selection = resolveSelection(options.selection, result);
  const all = (async function* () {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  const count =
    options.format === 'json'
      ? await writeAttentionJson(options.out, all, selection, options)
      : options.format === 'npy'
        ? await writeAttentionNpy(options.out, all, selection, options)
        : await writeAttentionHtml(options.out, all, selection, options);
  return { count, selection, numLayers: result.layers.length, numHeads: result.numHeads };
}
