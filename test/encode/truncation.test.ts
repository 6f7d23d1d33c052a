import { describe, expect, it } from 'vitest';
import { longestFirstLengths } from '../../src/encode/truncation.ts';

describe('longestFirstLengths (HF tokenizers LongestFirst)', () => {
  it('reproduces the Rust unit test table of truncation.rs (max_length 7)', () => {
    // (n1, n2) -> expected, copied from tokenizers' `truncate_encodings_longest_first` test.
    const table: Array<[number, number, number, number]> = [
      [0, 0, 0, 0], [0, 2, 0, 2], [0, 4, 0, 4], [0, 8, 0, 7],
      [2, 0, 2, 0], [2, 2, 2, 2], [2, 4, 2, 4], [2, 8, 2, 5],
      [4, 0, 4, 0], [4, 2, 4, 2], [4, 4, 3, 4], [4, 8, 3, 4],
      [8, 0, 7, 0], [8, 2, 5, 2], [8, 4, 4, 3], [8, 8, 3, 4],
    ];
    for (const [n1, n2, e1, e2] of table) expect([n1, n2, longestFirstLengths(n1, n2, 7)]).toEqual([n1, n2, [e1, e2]]);
  });

  it('gives the first sequence floor(t/2) on a tie and the shorter one floor(t/2) otherwise', () => {
    expect(longestFirstLengths(20, 20, 13)).toEqual([6, 7]);
    expect(longestFirstLengths(25, 20, 9)).toEqual([5, 4]);
    expect(longestFirstLengths(7, 20, 9)).toEqual([4, 5]);
  });

  it('cuts only the longer one when the shorter fits in its share', () => {
    expect(longestFirstLengths(3, 30, 13)).toEqual([3, 10]);
    expect(longestFirstLengths(30, 3, 13)).toEqual([10, 3]);
  });

  it('never exceeds the budget and truncates everything at budget 0', () => {
    for (let n1 = 0; n1 < 15; n1++) {
      for (let n2 = 0; n2 < 15; n2++) {
        for (let t = 0; t < 12; t++) {
          const [a, b] = longestFirstLengths(n1, n2, t);
          expect(a + b).toBeLessThanOrEqual(Math.max(t, 0));
          expect(a).toBeLessThanOrEqual(n1);
          expect(b).toBeLessThanOrEqual(n2);
        }
      }
    }
    expect(longestFirstLengths(5, 5, 0)).toEqual([0, 0]);
  });
});
