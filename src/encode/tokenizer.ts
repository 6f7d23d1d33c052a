import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { runtimeError } from '../errors.ts';

/** What pair encoding needs from a tokenizer: word pieces without specials, and the special ids. */
export interface WordPieceTokenizer {
  /** Token ids of `text` with no special tokens added. */
  tokenize(text: string): number[];
  idToToken(id: number): string;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
}

export interface TokenizerSource {
  /** Local folder (absolute) or hub repository id. */
  location: string;
  revision?: string;
  offline?: boolean;
}

/**
 * Loads the tokenizer with Transformers.js. A local folder holding only tokenizer.json (as
 * ../shared/tokenizers/bert-base-cased does) has no tokenizer_config.json for AutoTokenizer to read, so
 * it is built from tokenizer.json directly; the special tokens come from its post-processor either way.
 */
export async function loadWordPieceTokenizer(source: TokenizerSource): Promise<WordPieceTokenizer> {
  const transformers = await import('@huggingface/transformers');
  let tokenizer: PreTrainedTokenizer;
  const localWithoutConfig =
    existsSync(join(source.location, 'tokenizer.json')) && !existsSync(join(source.location, 'tokenizer_config.json'));
  if (localWithoutConfig) {
    const json = JSON.parse(await readFile(join(source.location, 'tokenizer.json'), 'utf8'));
    tokenizer = new transformers.PreTrainedTokenizer(json, {});
  } else {
    tokenizer = await transformers.AutoTokenizer.from_pretrained(source.location, {
      revision: source.revision ?? 'main',
      local_files_only: source.offline ?? false,
    });
  }
  return wrapTokenizer(tokenizer, source.location);
}

export function wrapTokenizer(tokenizer: PreTrainedTokenizer, where: string): WordPieceTokenizer {
  const inner = (tokenizer as unknown as { _tokenizer: { id_to_token(id: number): string | undefined } })._tokenizer;
  const json = (tokenizer as unknown as { _tokenizerJSON: TokenizerJson })._tokenizerJSON;
  const { cls, sep } = specialTokens(json, where);
  const idOf = (token: string) => {
    const id = tokenizer.convert_tokens_to_ids(token) as number | undefined;
    if (id === undefined || id === null) throw runtimeError(`tokenizer at ${where} has no id for ${token}`);
    return id;
  };
  const clsId = idOf(cls);
  const sepId = idOf(sep);
  const padId = (tokenizer.pad_token_id as number | undefined) ?? json.padding?.pad_id ?? 0;
  return {
    tokenize: (text) => tokenizer.encode(text, { add_special_tokens: false }),
    idToToken: (id) => inner.id_to_token(id) ?? `[${id}]`,
    clsId,
    sepId,
    padId,
  };
}

interface TokenizerJson {
  post_processor?: {
    type: string;
    cls?: [string, number];
    sep?: [string, number];
    pair?: Array<{ SpecialToken?: { id: string } }>;
  } | null;
  padding?: { pad_id?: number } | null;
}

/** [CLS] and [SEP] as the tokenizer's own post-processor names them (BertProcessing or TemplateProcessing). */
function specialTokens(json: TokenizerJson, where: string): { cls: string; sep: string } {
  const post = json.post_processor;
  if (post?.type === 'BertProcessing' && post.cls && post.sep) return { cls: post.cls[0], sep: post.sep[0] };
  if (post?.type === 'TemplateProcessing' && post.pair) {
    const specials = post.pair.flatMap((piece) => (piece.SpecialToken ? [piece.SpecialToken.id] : []));
    if (specials.length === 3) return { cls: specials[0], sep: specials[1] };
  }
  throw runtimeError(
    `tokenizer at ${where} is not BERT-style: its post-processor (${post?.type ?? 'none'}) does not build [CLS] A [SEP] B [SEP]`,
  );
}
