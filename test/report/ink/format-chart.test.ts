import { describe, expect, it } from 'vitest';
import { bar, bucketMeans, sparkline } from '../../../src/report/ink/chart.ts';
import { etaSeconds, formatCount, formatDuration, formatPercent, formatRate } from '../../../src/report/ink/format.ts';
import { formatNextSteps, nextCommands, shellQuote } from '../../../src/report/ink/next-commands.ts';
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
    expect(nextCommands('my run/ckpt', demoRun)[0].line).toContain("--checkpoint 'my run/ckpt' ");
  });

  it("the next commands use the run's own data and model", () => {
    const run = { model: 'bert-base-cased', train: 'mnli/train.tsv', validation: { matched: 'mnli/dev matched.tsv', mismatched: 'mm.tsv' } };
    const lines = nextCommands('/r/ck', run).map((c) => c.line);
    expect(lines.filter((l) => l.includes('bundled:nli-tiny'))).toEqual([]);
    expect(lines[0]).toBe("transferkit predict --checkpoint /r/ck --input 'mnli/dev matched.tsv' --output predictions.jsonl");
    expect(lines[1]).toBe("transferkit eval --checkpoint /r/ck --data 'mnli/dev matched.tsv'");
    // Already on a real model: no "try bert-base-cased on MNLI" line.
    expect(lines.join('\n')).not.toContain('glue/mnli:train');
    // No validation set: the training data stands in.
    expect(nextCommands('/r/ck', { ...run, validation: {} })[1].line).toBe('transferkit eval --checkpoint /r/ck --data mnli/train.tsv');
    // The bundled demo: its own bundled set, and the real model as a next step.
    const demo = nextCommands('/r/ck', demoRun).map((c) => c.line);
    expect(demo[1]).toBe('transferkit eval --checkpoint /r/ck --data bundled:nli-tiny/validation');
    expect(demo.join('\n')).toContain('--model bert-base-cased --train glue/mnli:train');
  });

  it('formats the Next: block with every command on one line and a final newline', () => {
    const text = formatNextSteps('/a/very/long/path/that/goes/on/and/on/runs/x/checkpoint/best', demoRun);
    expect(text.startsWith('Next:\n')).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
    const commands = text.split('\n').filter((l) => l.trimStart().startsWith('transferkit '));
    expect(commands).toHaveLength(nextCommands('/x', demoRun).length);
    expect(commands[0]).toBe(
      '  transferkit predict --checkpoint /a/very/long/path/that/goes/on/and/on/runs/x/checkpoint/best --input bundled:nli-tiny/validation --output predictions.jsonl',
    );
  });
});

const demoRun = { model: 'bundled:tiny-bert', train: 'bundled:nli-tiny/train', validation: { validation: 'bundled:nli-tiny/validation' } };

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
