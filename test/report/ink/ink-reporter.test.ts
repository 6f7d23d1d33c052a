import { describe, expect, it } from 'vitest';
import { createInkReporter } from '../../../src/report/ink/ink-reporter.tsx';
import { fanOut, TrainerControl } from '../../../src/train/events.ts';
import { epochEnd, results, runStart, stepEvents } from './synthetic.ts';
import { fakeTerminal as streams } from './fake-terminal.ts';
import { waitFor } from './wait.ts';

describe('createInkReporter', () => {
  it('is a Reporter: events drive the live view, close() draws the summary and unmounts', async () => {
    const { stdout, options } = streams();
    const control = new TrainerControl();
    const reporter = createInkReporter({ ...options, control });
    const emit = fanOut([reporter]);
    emit(runStart);
    emit({ type: 'epoch-start', epoch: 1, epochs: 1, steps: 3 });
    for (const event of stepEvents(1, 3)) emit(event);
    await waitFor(() => stdout.output.includes('step 3/3'), () => `the step bar in:\n${stdout.output}`);
    emit(epochEnd(1, 1));
    emit({ type: 'run-end', results: results() });
    await reporter.close();
    expect(stdout.output).toContain('Training finished');
    expect(stdout.output).toContain('Checkpoint: /tmp/run/checkpoint');
    // Closed means unmounted: exited has settled.
    await expect(Promise.race([reporter.exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('pending'), 50))])).resolves.toBe('exited');
  });

  it('ends its last line even when the last frame fills the screen (Ink leaves those without a newline)', async () => {
    const { stdout, options } = streams();
    stdout.rows = 8;
    const reporter = createInkReporter(options);
    reporter.onEvent(runStart);
    reporter.onEvent({ type: 'run-end', results: results() });
    await reporter.close();
    expect(stdout.output).toContain('Training finished');
    expect(stdout.output.endsWith('\n')).toBe(true);
  });

  it('keys typed on the terminal reach the TrainerControl', async () => {
    const { stdout, stdin, options } = streams();
    const control = new TrainerControl();
    const reporter = createInkReporter({ ...options, control });
    reporter.onEvent({ type: 'epoch-start', epoch: 1, epochs: 1, steps: 3 });
    await waitFor(() => stdout.output.includes('[p] pause'), () => 'key hints');
    stdin.type('s');
    await waitFor(() => control.saveRequested, () => 'save requested');
    stdin.type('\u0003');
    await waitFor(() => control.stopRequested, () => 'stop requested');
    reporter.onEvent({ type: 'run-end', results: results({ interrupted: true }) });
    await reporter.close();
    expect(stdout.output).toContain('Stopped by request');
  });
});
