import { inputError } from '../errors.ts';

export interface ColumnChoice {
  textColumn?: string;
  textPairColumn?: string;
  labelColumn?: string;
  requireLabels?: boolean;
  /** Read no label column, so rows without a gold label are kept too (embedding and attention use every row). */
  ignoreLabels?: boolean;
}

/** Resolved column indices into RecordSource.columns (pair and label may be absent). */
export interface ColumnMapping {
  text: number;
  pair: number | null;
  label: number | null;
  names: { text: string; pair: string | null; label: string | null };
}

// Auto-detection, in order of preference. Pairs go together: a pair column is only guessed as the
// partner of the text column that was chosen, never on its own.
const TEXT_PAIRS: [string, string][] = [
  ['premise', 'hypothesis'],
  ['sentence1', 'sentence2'],
  ['text', 'text_pair'],
  ['question1', 'question2'],
  ['question', 'sentence'],
];
const SINGLE_TEXTS = ['text', 'sentence', 'question'];
/** First halves of pairs that are never a single text on their own (a premise without its hypothesis). */
const PAIR_ONLY = TEXT_PAIRS.filter(([first]) => !SINGLE_TEXTS.includes(first));
const LABELS = ['gold_label', 'label', 'labels'];

/**
 * Picks the text, pair and label columns: given names must exist (exactly, else ignoring case); missing
 * ones are looked up among common names. Errors list the file's columns and the flag to use.
 */
export function resolveColumns(columns: string[], choice: ColumnChoice, file: string): ColumnMapping {
  const find = (name: string) => {
    const exact = columns.indexOf(name);
    return exact >= 0 ? exact : columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
  };
  const available = `the file has columns: ${columns.map((c) => (c === '' ? "''" : c)).join(', ')}`;
  const given = (name: string, flag: string) => {
    const index = find(name);
    if (index < 0) throw inputError(`no column '${name}' (from ${flag}); ${available}`, { file, line: 1, flag });
    return index;
  };

  let text: number;
  let pair: number | null = null;
  if (choice.textColumn !== undefined) {
    text = given(choice.textColumn, '--text-column');
  } else {
    const pairFound = TEXT_PAIRS.find(([a, b]) => find(a) >= 0 && find(b) >= 0)?.[0];
    const halfPair = pairFound === undefined ? PAIR_ONLY.find(([first]) => find(first) >= 0) : undefined;
    if (halfPair) {
      // Taken as single texts, this trained silently and then met pair data (issue 10): say what is missing.
      const [first, partner] = halfPair;
      const label = choice.ignoreLabels ? '' : ', and a label';
      throw inputError(
        `columns found: ${columns.join(', ')}; expected premise and hypothesis (text pairs), or one text column (${SINGLE_TEXTS.join(', ')})${label}; '${columns[find(first)]}' needs its partner '${partner}' (or name the columns with --text-column / --text-pair-column)`,
        { file, line: 1, flag: '--text-column' },
      );
    }
    const found = pairFound ?? SINGLE_TEXTS.find((name) => find(name) >= 0);
    if (found === undefined) {
      throw inputError(`no text column found (looked for ${SINGLE_TEXTS.join(', ')}, or a pair such as premise and hypothesis); ${available}; name it with --text-column`, {
        file,
        line: 1,
        flag: '--text-column',
      });
    }
    text = find(found);
  }
  if (choice.textPairColumn !== undefined) {
    pair = given(choice.textPairColumn, '--text-pair-column');
  } else {
    const partner = TEXT_PAIRS.find(([a]) => a.toLowerCase() === columns[text].toLowerCase())?.[1];
    if (partner !== undefined && find(partner) >= 0) pair = find(partner);
  }
  if (pair === text) throw inputError(`--text-pair-column names the same column as the text ('${columns[text]}')`, { file, flag: '--text-pair-column' });

  let label: number | null = null;
  if (choice.ignoreLabels) {
    // no label column
  } else if (choice.labelColumn !== undefined) {
    label = given(choice.labelColumn, '--label-column');
  } else {
    const found = LABELS.find((name) => find(name) >= 0);
    if (found !== undefined) label = find(found);
    else if (choice.requireLabels) {
      throw inputError(`no label column found (looked for ${LABELS.join(', ')}); ${available}; name it with --label-column`, {
        file,
        line: 1,
        flag: '--label-column',
      });
    }
  }
  if (label !== null && (label === text || label === pair)) {
    throw inputError(`the label column '${columns[label]}' is also used as text`, { file, flag: '--label-column' });
  }
  return {
    text,
    pair,
    label,
    names: { text: columns[text], pair: pair === null ? null : columns[pair], label: label === null ? null : columns[label] },
  };
}
