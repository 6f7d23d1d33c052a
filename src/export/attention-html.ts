import { readFile } from 'node:fs/promises';
import { runtimeError } from '../errors.ts';
import type { AttentionEntry } from './attention-entry.ts';
import { writeTextFileAtomically } from './attention-file.ts';
import { writeAttentionObject, type NumberFormat } from './attention-json.ts';
import type { AttentionSelection } from './attention-selection.ts';

const TEMPLATE_URL = new URL('./html/head-view.html', import.meta.url);
const VIEWER_URL = new URL('./html/head-view.js', import.meta.url);
const DATA_MARK = '<!--tk:data-->';
const LABEL_CHARS = 300;

/** Four decimals: a line at weight 1e-4 is invisible, and the page stays a quarter smaller than at float32. */
export const fourDecimals: NumberFormat = (value) => String(Math.round(value * 1e4) / 1e4);

/** Text for an HTML element or attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that is safe inside <script type="application/json">: `<`, `>` and `&` become \u escapes, so no
 * token can close the script element (`</script`) or open a comment; U+2028/2029 likewise. JSON.parse
 * reads the escapes back as the original characters.
 */
export function escapeScriptJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface HtmlExportOptions {
  multi: boolean;
  /** Shown in the page title and header, e.g. the model id. */
  title?: string;
}

/**
 * Writes one self-contained HTML file (inline CSS and script, no network) with a bertviz-style head view:
 * token-to-token lines per layer and head, layer and head selectors, the sentence A/B boundary marked and,
 * for a file of inputs, an input selector. Each input's data is its own JSON script block, written as it
 * arrives. Returns the number of inputs written.
 */
export async function writeAttentionHtml(
  path: string,
  entries: AsyncIterable<AttentionEntry>,
  selection: AttentionSelection,
  options: HtmlExportOptions,
): Promise<number> {
  const [template, viewer] = await Promise.all([readFile(TEMPLATE_URL, 'utf8'), readFile(VIEWER_URL, 'utf8')]);
  if (/<\/script|<!--/i.test(viewer)) throw runtimeError('the head view script must not contain </script or <!--');
  const [head, tail] = template.split(DATA_MARK);
  const title = options.title ? `Attention: ${options.title}` : 'Attention head view';
  const subtitle = [
    options.title,
    `layers ${describe(selection.layers)}`,
    `heads ${describe(selection.heads)}`,
  ].filter(Boolean).join(' \u00b7 ');
  const labels: Array<Record<string, unknown>> = [];
  let count = 0;
  await writeTextFileAtomically(path, async (sink) => {
    await sink.write(head.replace('<!--tk:title-->', () => escapeHtml(title)).replace('<!--tk:subtitle-->', () => escapeHtml(subtitle)));
    for await (const entry of entries) {
      if (!options.multi && count > 0) throw runtimeError('a single-input HTML dump got more than one input');
      await sink.write('<script type="application/json" class="tk-attention">');
      await writeAttentionObject(sink, entry, selection, true, fourDecimals, escapeScriptJson);
      await sink.write('</script>\n');
      labels.push({
        index: entry.index,
        line: entry.line ?? null,
        text: clip(entry.input.text),
        text_pair: entry.input.textPair === undefined ? null : clip(entry.input.textPair),
      });
      count++;
    }
    await sink.write(`<script type="application/json" id="tk-inputs">${escapeScriptJson(JSON.stringify(labels))}</script>\n`);
    await sink.write(tail.replace('/*tk:viewer*/', () => viewer));
  });
  return count;
}

function clip(text: string): string {
  return text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}\u2026` : text;
}

/** `0-11`, `0,2,5-7`: compact ranges for the page header. */
function describe(indices: number[]): string {
  const parts: string[] = [];
  for (let k = 0; k < indices.length; ) {
    let end = k;
    while (end + 1 < indices.length && indices[end + 1] === indices[end] + 1) end++;
    parts.push(end > k ? `${indices[k]}-${indices[end]}` : String(indices[k]));
    k = end + 1;
  }
  return parts.join(',');
}
