import { describe, expect, it } from 'vitest';
import { seconds } from '../../src/report/format.ts';

describe('line reporter formats', () => {
  it('seconds: tenths below 90 s, whole minutes and seconds above (never "1m60s")', () => {
    expect(seconds(0.04)).toBe('0.0s');
    expect(seconds(89.9)).toBe('89.9s');
    expect(seconds(90)).toBe('1m30s');
    expect(seconds(119.6)).toBe('2m0s');
    expect(seconds(3599.7)).toBe('60m0s');
    expect(seconds(754.2)).toBe('12m34s');
  });
});
