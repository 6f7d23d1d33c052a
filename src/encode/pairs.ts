import type { TextInput } from '../core/index.ts';
import { usageError } from '../errors.ts';
import { longestFirstLengths, SPECIAL_TOKENS_PAIR, SPECIAL_TOKENS_SINGLE } from './truncation.ts';
import type { WordPieceTokenizer } from './tokenizer.ts';

/** One input as the model sees it, before padding. */
export interface EncodedInput {
  ids: Int32Array;
  /** 0 for [CLS] A [SEP], 1 for B [SEP]. */
  typeIds: Uint8Array;
  /** Index of B's first token, or null for a single text. */
  sentenceBStart: number | null;
}

/**
 * `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`, truncated with longest_first so that the result has at
 * most maxLength tokens and always ends with [SEP]. Transformers.js' own pair truncation drops B and the
 * final [SEP], so we tokenize without specials and assemble here.
 */
export function encodeInput(tokenizer: WordPieceTokenizer, input: TextInput, maxLength: number): EncodedInput {
  const isPair = input.textPair !== undefined && input.textPair !== null;
  const specials = isPair ? SPECIAL_TOKENS_PAIR : SPECIAL_TOKENS_SINGLE;
  if (maxLength < specials) throw usageError(`must be at least ${specials} for ${isPair ? 'a pair' : 'a single text'}, got ${maxLength}`, '--max-length');
  const a = tokenizer.tokenize(input.text);
  const b = isPair ? tokenizer.tokenize(input.textPair as string) : [];
  const [na, nb] = isPair ? longestFirstLengths(a.length, b.length, maxLength - specials) : [Math.min(a.length, maxLength - specials), 0];

  const length = na + nb + specials;
  const ids = new Int32Array(length);
  const typeIds = new Uint8Array(length);
  let at = 0;
  ids[at++] = tokenizer.clsId;
  for (let i = 0; i < na; i++) ids[at++] = a[i];
  ids[at++] = tokenizer.sepId;
  if (!isPair) return { ids, typeIds, sentenceBStart: null };
  const sentenceBStart = at;
  for (let i = 0; i < nb; i++) ids[at++] = b[i];
  ids[at++] = tokenizer.sepId;
  typeIds.fill(1, sentenceBStart);
  return { ids, typeIds, sentenceBStart };
}
