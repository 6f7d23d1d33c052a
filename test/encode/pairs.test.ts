import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeInput } from '../../src/encode/pairs.ts';
import { loadWordPieceTokenizer, type WordPieceTokenizer } from '../../src/encode/tokenizer.ts';
import { tinyModelDir } from '../helpers/tiny-model.ts';

const sharedTokenizer = resolve(import.meta.dirname, '../../../shared/tokenizers/bert-base-cased');
const haveShared = existsSync(resolve(sharedTokenizer, 'tokenizer.json'));
// Without ../shared the same rules are checked with the generated model's built-in WordPiece vocabulary.
const vocabulary = haveShared ? 'the real bert-base-cased tokenizer' : 'the built-in vocabulary (../shared is absent)';

/** `n` copies of a word that is a single word piece, so lengths are exact by construction. */
const words = (n: number, word = 'dog') => Array.from({ length: n }, () => word).join(' ');

describe(`encodeInput with ${vocabulary}`, () => {
  let tokenizer: WordPieceTokenizer;
  let tokenizerDir: string;
  beforeAll(async () => {
    tokenizerDir = haveShared ? sharedTokenizer : await tinyModelDir();
    tokenizer = await loadWordPieceTokenizer({ location: tokenizerDir });
    // Preconditions the crafted lengths rely on.
    expect(tokenizer.tokenize(words(5))).toHaveLength(5);
    expect(tokenizer.tokenize(words(5, 'cat'))).toHaveLength(5);
    if (haveShared) expect([tokenizer.clsId, tokenizer.sepId, tokenizer.padId]).toEqual([101, 102, 0]);
    expect(new Set([tokenizer.clsId, tokenizer.sepId, tokenizer.padId, tokenizer.tokenize('dog')[0], tokenizer.tokenize('cat')[0]]).size).toBe(5);
  });

  function check(a: number, b: number, maxLength: number, expectA: number, expectB: number) {
    const encoded = encodeInput(tokenizer, { text: words(a), textPair: words(b, 'cat') }, maxLength);
    const ids = Array.from(encoded.ids);
    const dog = tokenizer.tokenize('dog')[0];
    const cat = tokenizer.tokenize('cat')[0];
    expect(ids).toEqual([
      tokenizer.clsId, ...Array(expectA).fill(dog), tokenizer.sepId, ...Array(expectB).fill(cat), tokenizer.sepId,
    ]);
    expect(Array.from(encoded.typeIds)).toEqual([...Array(expectA + 2).fill(0), ...Array(expectB + 1).fill(1)]);
    expect(encoded.sentenceBStart).toBe(expectA + 2);
  }

  it('equal long pair: first gets floor(t/2), second the rest, final [SEP] kept', () => check(20, 20, 16, 6, 7));
  it('equal long pair, odd budget', () => check(20, 20, 12, 4, 5));
  it('first longer, both over half: the longer (first) gets the extra token', () => check(25, 20, 12, 5, 4));
  it('one long one short: only the long one is cut', () => {
    check(3, 30, 16, 3, 10);
    check(30, 3, 16, 10, 3);
  });
  it('both short: nothing is cut', () => check(3, 4, 16, 3, 4));
  it('exactly at the limit: nothing is cut', () => check(6, 7, 16, 6, 7));

  it('single text truncates from the right and keeps [SEP]', () => {
    const encoded = encodeInput(tokenizer, { text: words(30) }, 10);
    expect(encoded.ids).toHaveLength(10);
    expect(encoded.ids[0]).toBe(tokenizer.clsId);
    expect(encoded.ids[9]).toBe(tokenizer.sepId);
    expect(Array.from(encoded.typeIds)).toEqual(Array(10).fill(0));
    expect(encoded.sentenceBStart).toBeNull();
  });

  it('untruncated pairs equal Transformers.js own [CLS] A [SEP] B [SEP] encoding', async () => {
    const { PreTrainedTokenizer } = await import('@huggingface/transformers');
    const json = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(resolve(tokenizerDir, 'tokenizer.json'), 'utf8')));
    const reference = new PreTrainedTokenizer(json, {});
    const premise = "The new rights are nice enough, but they don't go far.";
    const hypothesis = 'Everyone really likes the newest benefits.';
    const ours = encodeInput(tokenizer, { text: premise, textPair: hypothesis }, 128);
    const theirs = reference(premise, { text_pair: hypothesis, return_token_type_ids: true, return_tensor: false }) as unknown as {
      input_ids: number[];
      token_type_ids: number[];
    };
    expect(Array.from(ours.ids)).toEqual(theirs.input_ids);
    expect(Array.from(ours.typeIds)).toEqual(theirs.token_type_ids);
  });

  it('rejects a max length that cannot hold the special tokens', () => {
    expect(() => encodeInput(tokenizer, { text: 'a', textPair: 'b' }, 2)).toThrow(/must be at least 3 for a pair, got 2/);
  });
});
