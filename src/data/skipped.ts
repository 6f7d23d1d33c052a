import type { SkippedRows } from './types.ts';

const FIRST_LINES_KEPT = 5;

/** Counts skipped rows per reason, keeping the first few line numbers and the first full message. */
export class SkipLog {
  private readonly byReason = new Map<string, SkippedRows>();

  add(reason: string, line: number, message?: string): void {
    let entry = this.byReason.get(reason);
    if (!entry) {
      entry = { reason, count: 0, firstLines: [], ...(message ? { example: message } : {}) };
      this.byReason.set(reason, entry);
    }
    entry.count++;
    if (entry.firstLines.length < FIRST_LINES_KEPT) entry.firstLines.push(line);
  }

  get total(): number {
    let total = 0;
    for (const entry of this.byReason.values()) total += entry.count;
    return total;
  }

  list(): SkippedRows[] {
    return [...this.byReason.values()];
  }
}

/**
 * The summary the CLI prints after reading: one line per reason, with the first line numbers and the
 * first message, e.g. `  3 rows: ragged row (lines 4, 9, 12) — line 4: 2 fields, the header has 3`.
 * Empty string when nothing was skipped.
 */
export function formatSkipSummary(skipped: SkippedRows[], source?: string): string {
  const total = skipped.reduce((sum, entry) => sum + entry.count, 0);
  if (total === 0) return '';
  const lines = [`skipped ${plural(total, 'row')}${source ? ` of ${source}` : ''}:`];
  for (const entry of skipped) {
    const more = entry.count > entry.firstLines.length ? ', …' : '';
    const where = `${entry.firstLines.length === 1 ? 'line' : 'lines'} ${entry.firstLines.join(', ')}${more}`;
    const example = entry.example ? ` — first: ${entry.example}` : '';
    lines.push(`  ${plural(entry.count, 'row')}: ${entry.reason} (${where})${example}`);
  }
  return lines.join('\n');
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
