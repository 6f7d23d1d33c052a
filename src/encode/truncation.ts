/**
 * Truncation that matches Hugging Face `tokenizers` (Rust) exactly, so features computed here equal the
 * ones `AutoTokenizer(..., truncation=True, max_length=N)` gives in Python.
 *
 * Verified against huggingface/tokenizers `tokenizers/src/utils/truncation.rs` (`truncate_encodings`,
 * strategy `LongestFirst`, direction Right). Its caller, `Tokenizer::post_process` in
 * tokenizers/src/tokenizer/mod.rs, first subtracts `post_processor.added_tokens(..)` from max_length,
 * so the budget for BERT is max_length - 3 for a pair and max_length - 2 for a single text. With n1 <= n2 (lengths swapped only when n1 > n2, so on a tie the
 * FIRST sequence plays "n1"):
 *   - n1 + n2 <= budget: nothing is cut;
 *   - else n2 = max(n1, budget - n1) (if n1 > budget, n2 = n1 to avoid unsigned underflow);
 *   - if still n1 + n2 > budget: n1 = floor(budget / 2), n2 = n1 + budget % 2.
 *   - budget 0 truncates both to 0.
 * Tokens are removed from the right; Rust's own unit test (max_length 7) gives e.g. (4,4)->(3,4),
 * (8,2)->(5,2), (8,4)->(4,3), (4,8)->(3,4).
 */
export function longestFirstLengths(n1: number, n2: number, budget: number): [number, number] {
  if (budget <= 0) return [0, 0];
  if (n1 + n2 <= budget) return [n1, n2];
  const swap = n1 > n2;
  let short = swap ? n2 : n1;
  let long = swap ? n1 : n2;
  long = short > budget ? short : Math.max(short, budget - short);
  if (short + long > budget) {
    short = Math.floor(budget / 2);
    long = short + (budget % 2);
  }
  return swap ? [long, short] : [short, long];
}

/** Special tokens BERT adds: [CLS] A [SEP] (single) or [CLS] A [SEP] B [SEP] (pair). */
export const SPECIAL_TOKENS_SINGLE = 2;
export const SPECIAL_TOKENS_PAIR = 3;
