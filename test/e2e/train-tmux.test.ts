import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The real `transferkit train` in a real pseudo-terminal (tmux): walk through setup, watch progress
 * move, pause, save, quit with confirmation, and find the checkpoint on disk. Uses the bundled tiny
 * model and dataset; 400 pairs in batches of 4 make short epochs, and 2000 of them keep the run going
 * until the test quits it.
 */

const repoRoot = resolve(import.meta.dirname, '../..');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

const socket = `transferkit-e2e-${process.pid}`;
const COLUMNS = 110;
const ROWS = 60;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env: terminalEnv() });
}

/** A plain interactive terminal: no CI markers (they switch Ink off), a colour-capable TERM. */
function terminalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_') || key === 'NO_COLOR') continue;
    if (key.startsWith('VITEST') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  env.TERM = 'xterm-256color';
  return env;
}

/** The visible screen plus scrollback, as text; soft-wrapped lines are joined (as a copy from the terminal would). */
function screenOf(session: string): string {
  return tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', session);
}

/** The screen row by row as the terminal shows it (no joining), visible part only. */
function rowsOf(session: string): string[] {
  return tmux('capture-pane', '-p', '-t', session).split('\n');
}

async function waitForScreenIn(session: string, check: (text: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = screenOf(session);
    if (check(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Steps done so far, from the live view's epoch and step lines. */
function progress(text: string): number | undefined {
  const step = [...text.matchAll(/step (\d+)\/(\d+)/g)].at(-1);
  const epoch = [...text.matchAll(/epoch (\d+)\/\d+/g)].at(-1);
  if (!step || !epoch) return undefined;
  return (Number(epoch[1]) - 1) * Number(step[2]) + Number(step[1]);
}

/** Starts `transferkit train` (or `command`) in its own tmux session; the exit code lands in a file, the pane stays open. */
function startTrain(work: string, session: string, extraFlags: string[] = [], command = 'train', size = { columns: COLUMNS, rows: ROWS }) {
  const outputDir = join(work, session);
  const exitFile = join(work, `${session}.exit-code`);
  const script = join(work, `${session}.sh`);
  const flags = ['--output-dir', `'${outputDir}'`, '--epochs', '2000', '--batch-size', '4', '--max-train-samples', '400', '--max-length', '64', ...extraFlags];
  writeFileSync(
    script,
    [
      `cd '${repoRoot}'`,
      `node bin/transferkit.js ${command} ${flags.join(' ')}`,
      'code=$?',
      // Where the shell's own next line lands shows whether the last frame ended its line.
      `echo "[shell] exit $code"`,
      `echo $code > '${exitFile}'`,
      // Keep the pane open so the final screen can be read.
      'sleep 120',
    ].join('\n'),
  );
  tmux('new-session', '-d', '-s', session, '-x', String(size.columns), '-y', String(size.rows), `sh '${script}'`);
  return { outputDir, exitFile, sendKeys: (...keys: string[]) => tmux('send-keys', '-t', session, ...keys) };
}

describe.skipIf(!hasTmux)(hasTmux ? 'transferkit train in a terminal (tmux)' : 'transferkit train in a terminal (tmux) — skipped: tmux is not installed (.ci/run installs it; or apt-get install tmux)', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'transferkit-train-e2e-'));
  });

  afterAll(() => {
    if (!hasTmux) return;
    try {
      const socketPath = tmux('display-message', '-p', '#{socket_path}').trim();
      tmux('kill-server');
      // tmux leaves the socket file behind.
      rmSync(socketPath, { force: true });
    } catch {
      // already gone
    }
    if (work && !process.env.TRANSFERKIT_KEEP_E2E) rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }); // a killed run may still be writing
  });

  it('sets up, shows progress, pauses, saves, quits on y and leaves a checkpoint', async () => {
    const { outputDir, exitFile, sendKeys } = startTrain(work, 'keys');
    const waitForScreen = (check: (text: string) => boolean, what: string, timeoutMs?: number) => waitForScreenIn('keys', check, what, timeoutMs);
    const screen = () => screenOf('keys');
    // Setup screen, pre-filled: the flags show in the fields.
    let text = await waitForScreen((t) => t.includes('Press Enter to start training'), 'the setup screen', 30_000);
    expect(text).toMatch(/Model\s+bundled:tiny-bert/);
    expect(text).toMatch(/Output dir\s+.*transferkit-train-e2e-/);
    expect(text).toMatch(/Batch size\s+4/);
    sendKeys('Enter');

    // Training: the step counter moves.
    text = await waitForScreen((t) => (progress(t) ?? 0) > 0 && t.includes('[p] pause'), 'training to start', 90_000);
    const first = progress(text)!;
    text = await waitForScreen((t) => (progress(t) ?? 0) > first + 5, 'the step counter to move');
    expect(text).toMatch(/loss\s+[▁▂▃▄▅▆▇█]+/);
    expect(text).toContain('features: train');

    // A finished epoch lands in the table above the live view, with the validation set's columns.
    text = await waitForScreen((t) => /^\s+1\/2000\s+\d\.\d{4}/m.test(t), 'the first finished epoch', 60_000);
    expect(text).toMatch(/epoch\s+train loss\s+train acc\s+validation acc\s+validation F1\s+time/);
    expect(text).toMatch(/best\s+validation accuracy \d\.\d{4} at epoch \d+/);
    const live = text;

    // Pause: the trainer confirms, and the counter stands still.
    sendKeys('p');
    text = await waitForScreen((t) => t.includes('PAUSED — press p to resume'), 'the pause');
    const pausedAt = progress(text)!;
    await new Promise((r) => setTimeout(r, 1000));
    expect(progress(screen())).toBe(pausedAt);
    // Save now, while paused: the trainer serves s without resuming. (Saved while running, the next
    // epoch's own save to the same slot may be mid-swap when the file is looked for.)
    sendKeys('s');
    text = await waitForScreen((t) => /✓ checkpoint \(manual, epoch \d+ step \d+\) → \S+/.test(t), 'the manual checkpoint');
    const manualPath = /✓ checkpoint \(manual, epoch \d+ step \d+\) → (\S+)/.exec(text)![1];
    expect(existsSync(join(manualPath, 'manifest.json'))).toBe(true);
    expect(progress(screen())).toBe(pausedAt);
    sendKeys('p');
    await waitForScreen((t) => !t.includes('PAUSED') && (progress(t) ?? 0) > pausedAt, 'training to resume');

    // Evaluate now.
    sendKeys('e');
    await waitForScreen((t) => /✓ evaluated at epoch \d+ step \d+: validation acc \d\.\d{4}/.test(t), 'the manual evaluation');

    // Quit: asks first; y stops, saves and exits cleanly.
    sendKeys('q');
    await waitForScreen((t) => t.includes('Stop training? A checkpoint is saved first.'), 'the stop question');
    sendKeys('y');
    await waitForScreen(() => existsSync(exitFile), 'the command to exit', 60_000);
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
    text = screen();
    expect(text).toMatch(/Stopped by request (after epoch \d+|at epoch \d+, step \d+); a checkpoint was saved/);
    const checkpoint = /Checkpoint: (\S+)/.exec(text)?.[1];
    expect(checkpoint, `no checkpoint line on the final screen:\n${text}`).toBeDefined();
    expect(checkpoint!.startsWith(outputDir)).toBe(true);
    expect(existsSync(join(checkpoint!, 'manifest.json'))).toBe(true);
    expect(text).toMatch(/validation\s+\d+\s+\d\.\d{4}\s+\d\.\d{4}\s+\d\.\d{4}/);
    expect(text).toContain('Confusion matrix: validation');
    expect(text).toMatch(/metrics of the kept checkpoint \((best|last)\)/);
    expect(existsSync(join(outputDir, 'results.json'))).toBe(true);
    expect(text).toContain(`Results:    ${join(outputDir, 'results.json')}`);
    expect(text).toContain(`transferkit predict --checkpoint ${checkpoint}`);
    // TRANSFERKIT_E2E_SCREEN=FILE keeps the live and final screens, e.g. for a report.
    if (process.env.TRANSFERKIT_E2E_SCREEN) writeFileSync(process.env.TRANSFERKIT_E2E_SCREEN, `${live}\n----- final -----\n${text}`);
  });

  it('Ctrl-C stops like a confirmed q: checkpoint saved, exit code 130', async () => {
    const { outputDir, exitFile, sendKeys } = startTrain(work, 'ctrl-c', ['--yes']);
    const text = await waitForScreenIn('ctrl-c', (t) => (progress(t) ?? 0) > 0 && t.includes('[q] stop'), 'training to start (no setup with --yes)', 90_000);
    expect(text).not.toContain('new training run');
    sendKeys('C-c');
    await waitForScreenIn('ctrl-c', () => existsSync(exitFile), 'the command to exit', 60_000);
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('130');
    expect(screenOf('ctrl-c')).toMatch(/Stopped by request/);
    expect(existsSync(join(outputDir, 'checkpoint', 'last', 'manifest.json'))).toBe(true);
  });

  it('Esc on the setup screen leaves with exit code 0: nothing was run', async () => {
    const { exitFile, sendKeys } = startTrain(work, 'escape');
    await waitForScreenIn('escape', (t) => t.includes('Press Enter to start training'), 'the setup screen', 30_000);
    sendKeys('Escape');
    await waitForScreenIn('escape', () => existsSync(exitFile), 'the command to exit', 30_000);
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
    expect(screenOf('escape')).toContain('cancelled: nothing was run');
  });

  it("finetune's terminal view: q then y exits 0, as in train", async () => {
    const { exitFile, sendKeys } = startTrain(work, 'finetune-q', ['--model', 'bundled:tiny-bert'], 'finetune');
    await waitForScreenIn('finetune-q', (t) => (progress(t) ?? 0) > 0 && t.includes('[q] stop'), 'training to start', 90_000);
    sendKeys('q');
    await waitForScreenIn('finetune-q', (t) => t.includes('Stop training?'), 'the stop question');
    sendKeys('y');
    await waitForScreenIn('finetune-q', () => existsSync(exitFile), 'the command to exit', 60_000);
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
    expect(screenOf('finetune-q')).toMatch(/Stopped by request/);
  });

  it('at 60 columns: table rows fit, the Next: commands are whole lines, the last line ends', async () => {
    const session = 'narrow';
    const { outputDir, exitFile } = startTrain(work, session, ['--yes', '--epochs', '2', '--max-train-samples', '200', '--batch-size', '16'], 'train', {
      columns: 60,
      rows: 24,
    });
    // The later flags win: 2 short epochs, and the run finishes by itself.
    await waitForScreenIn(session, () => existsSync(exitFile), 'the run to finish', 90_000);
    expect(readFileSync(exitFile, 'utf8').trim()).toBe('0');
    const text = screenOf(session);
    // The epoch table: header and rows each on one line of at most 60 columns (none wrapped onto a second line).
    const lines = text.split('\n');
    const at = lines.findIndex((line) => /^\s*epoch\s+train loss/.test(line));
    expect(at, `no table header in:\n${text}`).toBeGreaterThanOrEqual(0);
    const table = lines.slice(at, at + 3);
    expect(table[0]).toContain('validation acc');
    expect(table[1]).toMatch(/^\s+1\/2\s+\d\.\d{4}\s+/);
    expect(table[2]).toMatch(/^\s+2\/2\s+\d\.\d{4}\s+/);
    for (const line of table) expect(line.trimEnd().length).toBeLessThanOrEqual(60);
    // Every Next: command is one line (the terminal soft-wraps it; a copy gives it whole).
    const checkpoint = join(outputDir, 'checkpoint', 'best');
    expect(text).toContain(`transferkit predict --checkpoint ${checkpoint} --input bundled:nli-tiny/validation --output predictions.jsonl`);
    expect(text).toContain(`transferkit eval --checkpoint ${checkpoint} --data bundled:nli-tiny/validation`);
    // The shell's next line starts on a line of its own: the last frame ended with a newline.
    expect(text).toMatch(/^\[shell\] exit 0$/m);
    const shellAt = lines.findIndex((line) => line.startsWith('[shell] exit'));
    expect(lines[shellAt - 1]).toMatch(/^\s+transferkit finetune --model bert-base-cased .* --output-dir runs\/mnli$/);
  });
});
