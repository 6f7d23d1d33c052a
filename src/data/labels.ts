import type { Cell } from './records.ts';
import { editDistance } from '../core/suggest.ts';

/** GLUE / Hugging Face order of the MNLI (and SNLI) classes: integer labels 0, 1, 2 mean these. */
export const MNLI_LABELS: readonly string[] = Object.freeze(['entailment', 'neutral', 'contradiction']);

/** A label cell read as a key, `missing` for "no gold label" (`-`, empty, -1), or why it is not a label. */
export type LabelKey = { key: string } | { missing: true } | { invalid: string };

/** Normalises a label cell: strings are trimmed, integers (also bigint) become their decimal form. */
export function readLabelCell(cell: Cell): LabelKey {
  if (cell === null || cell === undefined) return { missing: true };
  if (typeof cell === 'bigint') cell = Number(cell);
  if (typeof cell === 'number') {
    if (cell === -1) return { missing: true };
    if (!Number.isInteger(cell) || cell < 0) return { invalid: `label ${cell} is not a class index` };
    return { key: String(cell) };
  }
  if (typeof cell === 'string') {
    const key = cell.trim();
    if (key === '' || key === '-') return { missing: true };
    return { key };
  }
  return { invalid: `label ${JSON.stringify(cell)} is neither text nor an integer` };
}

const isIndex = (key: string) => /^(0|[1-9]\d*)$/.test(key);

/** Resolves a label key against known class names: by name first, then as an index into them. */
export function labelIndex(key: string, names: readonly string[]): number {
  const byName = names.indexOf(key);
  if (byName >= 0) return byName;
  if (isIndex(key) && Number(key) < names.length) return Number(key);
  return -1;
}

/**
 * Chooses class names when neither the user nor the source gave them, from the distinct labels seen:
 * - NLI-shaped labels → MNLI_LABELS in GLUE order, all three, so indices agree across splits and files
 *   that lack a class (2-way MNLI); any other label (a misspelt `entailmnt`, a stray `maybe`) is then an
 *   unknown label, reported with its line, rather than a silently wider head. NLI-shaped: every label an
 *   MNLI name or a slip of one, or at least two of the three MNLI names among them (RTE's `entailment` /
 *   `not_entailment` has one, so it keeps its own two classes);
 * - all labels integers → their decimal forms, sorted numerically (so 0, 1, 2 keep their meaning);
 * - otherwise (also RTE's `entailment` / `not_entailment`) → the distinct labels sorted by code point, so
 *   that a train and a validation file of the same data get the same indices whatever their row order.
 */
export function deriveLabelNames(keys: Iterable<string>): readonly string[] {
  const distinct = [...new Set(keys)];
  const others = distinct.filter((key) => !MNLI_LABELS.includes(key));
  const mnliNames = distinct.length - others.length;
  if (mnliNames > 0 && others.every((key) => MNLI_LABELS.some((name) => isTypoOf(key, name)))) return MNLI_LABELS;
  if (mnliNames >= 2) return MNLI_LABELS;
  if (distinct.length > 0 && distinct.every(isIndex)) {
    return distinct.sort((a, b) => Number(a) - Number(b));
  }
  return distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Same word but for case, or at most two edits away (Levenshtein): a slip, not another class. */
export function isTypoOf(key: string, name: string): boolean {
  const a = key.toLowerCase();
  if (a === name || Math.abs(a.length - name.length) > 2) return a === name;
  return editDistance(a, name) <= 2;
}

/** Labels that announce a headerless `label premise hypothesis` file when they open its first line. */
export function isKnownLabel(value: string, given?: readonly string[]): boolean {
  return MNLI_LABELS.includes(value) || value === '-' || (given?.includes(value) ?? false);
}
