import { describe, expect, it } from 'vitest';
import { TransferKitError } from '../../src/errors.ts';
import { parseIndexSpec, parseSelectionSpec, resolveIndexSpec, resolveSelection } from '../../src/export/attention-selection.ts';
import { syntheticAttention } from './synthetic-attention.ts';

function usageFailure(fn: () => unknown): TransferKitError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TransferKitError);
    return error as TransferKitError;
  }
  throw new Error('expected a usage error');
}

describe('--layers / --heads selection', () => {
  it('reads indices and inclusive ranges, sorted and without repeats', () => {
    expect(resolveIndexSpec(parseIndexSpec('0,2,5-7', '--layers'), 12, '--layers', 'layer')).toEqual([0, 2, 5, 6, 7]);
    expect(resolveIndexSpec(parseIndexSpec(' 7 , 2-3,3,0 ', '--layers'), 12, '--layers', 'layer')).toEqual([0, 2, 3, 7]);
    expect(resolveIndexSpec(parseIndexSpec('4-4', '--heads'), 5, '--heads', 'head')).toEqual([4]);
  });

  it('treats all and a missing flag as every index', () => {
    expect(resolveIndexSpec(parseIndexSpec('all', '--heads'), 3, '--heads', 'head')).toEqual([0, 1, 2]);
    expect(resolveIndexSpec(parseIndexSpec('ALL', '--heads'), 2, '--heads', 'head')).toEqual([0, 1]);
    expect(resolveIndexSpec(parseIndexSpec(undefined, '--heads'), 4, '--heads', 'head')).toEqual([0, 1, 2, 3]);
  });

  it.each(['', 'x', '1,,2', '-1', '1.5', '2-', '0-3-5', 'first'])('rejects the syntax %j naming the flag', (value) => {
    const error = usageFailure(() => parseIndexSpec(value, '--layers'));
    expect(error.kind).toBe('usage');
    expect(error.exitCode).toBe(2);
    expect(error.where.flag).toBe('--layers');
    expect(error.line.startsWith('--layers: ')).toBe(true);
  });

  it('rejects a backwards range and says how to write it', () => {
    const error = usageFailure(() => parseIndexSpec('7-5', '--heads'));
    expect(error.line).toBe("--heads: range '7-5' runs backwards; write it as 5-7");
  });

  it('rejects indices past the model counts, naming the flag and the valid range', () => {
    const result = syntheticAttention({ layers: 4, heads: 3 });
    const layers = usageFailure(() => resolveSelection(parseSelectionSpec('1,4', undefined), result));
    expect(layers.where.flag).toBe('--layers');
    expect(layers.line).toBe('--layers: layer 4 does not exist; the model has 4 layers (0-3)');
    const heads = usageFailure(() => resolveSelection(parseSelectionSpec(undefined, '0-3'), result));
    expect(heads.line).toBe('--heads: head 3 does not exist; the model has 3 heads (0-2)');
  });

  it('resolves both flags against the result counts', () => {
    const result = syntheticAttention({ layers: 4, heads: 3 });
    expect(resolveSelection(parseSelectionSpec('3,1', '2'), result)).toEqual({ layers: [1, 3], heads: [2] });
    expect(resolveSelection(parseSelectionSpec(undefined, undefined), result)).toEqual({ layers: [0, 1, 2, 3], heads: [0, 1, 2] });
  });
});
