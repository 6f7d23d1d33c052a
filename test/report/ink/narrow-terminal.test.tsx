import { afterEach, describe, expect, it } from 'vitest';
import type { Instance } from 'ink';
import { renderTrainer } from '../../../src/report/ink/ink-reporter.tsx';
import { RunStore } from '../../../src/report/ink/run-store.ts';
import { TrainerControl } from '../../../src/train/events.ts';
import { CLEAR_SCREEN, fakeTerminal, plain } from './fake-terminal.ts';
import { epochEnd, runStart, stepEvents } from './synthetic.ts';
import { waitFor } from './wait.ts';

const mounted: Instance[] = [];
afterEach(() => {
  for (const instance of mounted.splice(0)) instance.unmount();
});

/** The live view in a terminal of the given width, one finished epoch in the table. */
async function liveAt(columns: number) {
  const terminal = fakeTerminal({ columns, rows: 40 });
  const store = new RunStore();
  mounted.push(renderTrainer({ store, control: new TrainerControl(), refreshMs: 10 }, terminal.options));
  store.push(runStart);
  store.push({ type: 'epoch-start', epoch: 1, epochs: 3, steps: 10 });
  for (const event of stepEvents(1, 10)) store.push(event);
  store.push(epochEnd(1, 3));
  store.push({ type: 'epoch-start', epoch: 2, epochs: 3, steps: 10 });
  for (const event of stepEvents(2, 10, 1, 3)) store.push(event);
  await waitFor(() => plain(terminal.stdout.output).includes('step 3/10'), () => `the live view in:\n${plain(terminal.stdout.output)}`);
  return { ...terminal, store };
}

/** The epoch table's lines in `text`: the header and the rows after it. */
function tableLines(text: string): string[] {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => /^\s*epoch\s+train loss/.test(line));
  expect(at, `no epoch table in:\n${text}`).toBeGreaterThanOrEqual(0);
  return lines.slice(at, at + 2);
}

describe('a narrow terminal', () => {
  it('keeps every column at 110 columns', async () => {
    const { stdout } = await liveAt(110);
    const [header, row] = tableLines(plain(stdout.output));
    expect(header).toMatch(/epoch\s+train loss\s+train acc\s+matched acc\s+matched F1\s+mismatched acc\s+mismatched F1\s+time/);
    expect(row).toMatch(/^\s+1\/3\s+0\.9000\s+0\.4500\s+/);
  });

  for (const columns of [60, 40]) {
    it(`drops epoch-table columns to fit ${columns} columns: one line per row, the key numbers kept`, async () => {
      const { stdout } = await liveAt(columns);
      const [header, row] = tableLines(plain(stdout.output));
      expect(header.trimEnd().length).toBeLessThanOrEqual(columns);
      expect(row.trimEnd().length).toBeLessThanOrEqual(columns);
      expect(header).toMatch(/^\s*epoch\s+train loss\s+(train acc\s+)?matched acc/);
      expect(row).toMatch(/^\s+1\/3\s+0\.9000\s+/);
    });
  }

  it('on a resize, clears the screen and redraws the table for the new width (no stale half frame)', async () => {
    const { stdout } = await liveAt(110);
    stdout.resize(60);
    await waitFor(
      () => stdout.output.includes(CLEAR_SCREEN) && plain(stdout.output.slice(stdout.output.lastIndexOf(CLEAR_SCREEN))).includes('step 3/10'),
      () => `a cleared screen and a redraw in:\n${JSON.stringify(stdout.output.slice(-2000))}`,
    );
    const after = plain(stdout.output.slice(stdout.output.lastIndexOf(CLEAR_SCREEN)));
    const [header, row] = tableLines(after);
    expect(header.trimEnd().length).toBeLessThanOrEqual(60);
    expect(row).toMatch(/^\s+1\/3\s+0\.9000\s+/);
    // Back to wide: cleared again, every column back.
    const cleared = stdout.output.length;
    stdout.resize(110);
    await waitFor(
      () => stdout.output.lastIndexOf(CLEAR_SCREEN) >= cleared && /mismatched F1/.test(plain(stdout.output.slice(stdout.output.lastIndexOf(CLEAR_SCREEN)))),
      () => `a redraw at 110 columns in:\n${JSON.stringify(stdout.output.slice(cleared))}`,
    );
  });
});
