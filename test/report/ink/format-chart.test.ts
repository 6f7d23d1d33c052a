import { describe, expect, it } from 'vitest';
import { bar, bucketMeans, sparkline } from '../../../src/report/ink/chart.ts';
import { etaSeconds, formatCount, formatDuration, formatPercent, formatRate } from '../../../src/report/ink/format.ts';
import { nextCommands, shellQuote } from '../../../src/report/ink/next-commands.ts';
import { themeFor } from '../../../src/report/ink/theme.ts';
import { chartWidths } from '../../../src/report/ink/hooks/use-terminal-width.ts';
import { canUseInk } from '../../../src/report/ink/ink-reporter.tsx';

describe('charts', () => {
  it('draws the lowest value with the lowest block and the highest with the full one', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 1], 8)).toBe('█▁');
    expect(sparkline([2, 2, 2], 8)).toBe('▅▅▅');
    expect(sparkline([], 8)).toBe('');
  });

  it('averages long series into the width', () => {
    expect(bucketMeans([1, 3, 5, 7, 9, 11], 3)).toEqual([2, 6, 10]);
    expect(bucketMeans([1, 2], 5)).toEqual([1, 2]);
    expect(sparkline(Array.from({ length: 1000 }, (_, i) => -i), 10)).toBe('█▇▆▆▅▄▃▃▂▁');
  });

  it('shrinks bars and charts on narrow terminals', () => {
    expect(chartWidths(100)).toEqual({ bar: 30, chart: 40 });
    expect(chartWidths(200)).toEqual({ bar: 30, chart: 40 });
    expect(chartWidths(80)).toEqual({ bar: 10, chart: 20 });
    expect(chartWidths(40)).toEqual({ bar: 10, chart: 10 });
  });

  it('fills a bar in proportion, clamped to [0, 1]', () => {
    expect(bar(0.5, 10)).toEqual({ filled: '█████', empty: '░░░░░' });
    expect(bar(2, 4)).toEqual({ filled: '████', empty: '' });
    expect(bar(Number.NaN, 4)).toEqual({ filled: '', empty: '░░░░' });
  });
});

describe('formats', () => {
  it('formats durations, counts, rates, percentages and ETAs', () => {
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(undefined)).toBe('--:--');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--:--');
    expect(formatCount(12345.6)).toBe('12,346');
    expect(formatRate(12.345)).toBe('12.3');
    expect(formatRate(1234.5)).toBe('1,235');
    expect(formatPercent(0.999)).toBe('99%');
    expect(etaSeconds(100, 20)).toBe(5);
    expect(etaSeconds(100, 0)).toBeUndefined();
    expect(etaSeconds(0, 0)).toBe(0);
  });

  it('quotes checkpoint paths in the next commands only when the shell needs it', () => {
    expect(shellQuote('runs/latest/checkpoint')).toBe('runs/latest/checkpoint');
    expect(shellQuote("my runs/it's")).toBe(`'my runs/it'\\''s'`);
    expect(nextCommands('my run/ckpt')[0].line).toContain("--checkpoint 'my run/ckpt' ");
  });
});

describe('terminal choice', () => {
  it('uses Ink only on a TTY outside CI and not on TERM=dumb', () => {
    const tty = { isTTY: true };
    expect(canUseInk(tty, { TERM: 'xterm-256color' })).toBe(true);
    expect(canUseInk({ isTTY: false }, { TERM: 'xterm-256color' })).toBe(false);
    expect(canUseInk({}, {})).toBe(false);
    expect(canUseInk(tty, { CI: 'true' })).toBe(false);
    expect(canUseInk(tty, { CI: '1' })).toBe(false);
    expect(canUseInk(tty, { CI: 'false' })).toBe(true);
    expect(canUseInk(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('drops every colour under NO_COLOR', () => {
    expect(Object.values(themeFor({ NO_COLOR: '1' })).filter(Boolean)).toEqual([]);
    expect(themeFor({}).accent).toBeTruthy();
    // An empty NO_COLOR does not count (no-color.org).
    expect(themeFor({ NO_COLOR: '' }).accent).toBeTruthy();
  });
});
