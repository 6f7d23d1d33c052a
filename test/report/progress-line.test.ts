import { describe, expect, it, vi } from 'vitest';
import { progressPrinter } from '../../src/report/progress-line.ts';

/** What a terminal shows for the text written: \r returns to column 0, ESC[K erases to the line's end. */
function screen(written: string): string[] {
  const lines: string[] = [''];
  let column = 0;
  for (let i = 0; i < written.length; i++) {
    const char = written[i];
    const row = lines.length - 1;
    if (char === '\r') column = 0;
    else if (char === '\n') {
      lines.push('');
      column = 0;
    } else if (written.startsWith('\u001B[K', i)) {
      lines[row] = lines[row].slice(0, column);
      i += 2;
    } else {
      lines[row] = lines[row].slice(0, column) + char + lines[row].slice(column + 1);
      column++;
    }
  }
  return lines;
}

describe('progressPrinter', () => {
  it('on a terminal, a shorter update leaves no characters of the longer one behind', () => {
    let written = '';
    const stream = { isTTY: true, write: (text: string) => ((written += text), true) } as unknown as NodeJS.WriteStream;
    const now = vi.spyOn(performance, 'now');
    now.mockReturnValue(0);
    const print = progressPrinter('predicting', 'inputs', stream);
    now.mockReturnValue(1000);
    print(12345, 20000); // 12345.0/s
    now.mockReturnValue(200_000);
    print(12400, 20000); // 62.0/s: a shorter line
    now.mockRestore();
    expect(screen(written)).toEqual(['predicting 12400/20000 inputs (62.0/s)']);
  });
});
