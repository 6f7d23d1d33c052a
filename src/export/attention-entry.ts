import type { TextInput } from '../core/index.ts';
import type { AttentionResult } from '../backbones/types.ts';
import { runtimeError } from '../errors.ts';
import type { AttentionSelection } from './attention-selection.ts';

/** One input's attention on its way to a writer. */
export interface AttentionEntry {
  /** 0-based position of the input in the file (0 for a single --text). */
  index: number;
  /** 1-based source line, when the input came from a file. */
  line?: number;
  input: TextInput;
  result: AttentionResult;
}

/**
 * Checks the result has the layers and heads the selection names and that every layer is
 * [heads, seq, seq] for its token count; returns seq. A mismatch is a backbone bug, so it is a runtime error.
 */
export function checkAttentionShape(result: AttentionResult, selection: AttentionSelection): number {
  const seq = result.tokens.length;
  const expected = result.numHeads * seq * seq;
  for (const layer of selection.layers) {
    const values = result.layers[layer];
    if (!values) throw runtimeError(`the model returned ${result.layers.length} attention layers; layer ${layer} is missing`);
    if (values.length !== expected) {
      throw runtimeError(
        `attention layer ${layer} has ${values.length} values; expected ${result.numHeads} heads x ${seq} x ${seq} tokens = ${expected}`,
      );
    }
  }
  const maxHead = selection.heads.at(-1) ?? -1;
  if (maxHead >= result.numHeads) throw runtimeError(`the model returned ${result.numHeads} heads; head ${maxHead} is missing`);
  return seq;
}

/** The [seq, seq] matrix of one head of one layer, as a view (no copy). */
export function headMatrix(result: AttentionResult, layer: number, head: number): Float32Array {
  const seq = result.tokens.length;
  const size = seq * seq;
  return result.layers[layer].subarray(head * size, (head + 1) * size);
}

/** The selected heads of one layer as one [heads, seq, seq] array; a view when every head is selected. */
export function selectedHeads(result: AttentionResult, layer: number, heads: number[]): Float32Array {
  if (heads.length === result.numHeads) return result.layers[layer];
  const size = result.tokens.length ** 2;
  const out = new Float32Array(heads.length * size);
  heads.forEach((head, k) => out.set(headMatrix(result, layer, head), k * size));
  return out;
}
