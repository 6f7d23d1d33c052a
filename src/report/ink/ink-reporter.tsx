import { render, type Instance } from 'ink';
import type { Reporter, TrainerControl } from '../../train/events.ts';
import { TrainerApp, type TrainerAppProps } from './App.tsx';
import { RunStore, type FinalResults } from './run-store.ts';
import { themeFor } from './theme.ts';

export interface TerminalStreams {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
  /** Route console output above the live view (default true; test runners bring their own console). */
  patchConsole?: boolean;
}

/**
 * Whether the live Ink view suits this terminal: a TTY that is not a CI log and not TERM=dumb.
 * Otherwise use the plain line reporter.
 */
export function canUseInk(stdout: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI !== undefined && env.CI !== '0' && env.CI !== 'false') || env.CONTINUOUS_INTEGRATION !== undefined;
  return Boolean(stdout.isTTY) && !ci && env.TERM !== 'dumb';
}

/** Mounts the trainer app with Ctrl-C left to the app (it stops the run cleanly instead of killing it). */
export function renderTrainer(props: TrainerAppProps, streams: TerminalStreams = {}): Instance {
  const env = streams.env ?? process.env;
  return render(<TrainerApp theme={themeFor(env)} {...props} />, {
    stdout: streams.stdout ?? process.stdout,
    stdin: streams.stdin ?? process.stdin,
    stderr: streams.stderr ?? process.stderr,
    exitOnCtrlC: false,
    patchConsole: streams.patchConsole ?? true,
  });
}

/**
 * Resolves once the view has ended, its last line ended too: Ink takes a last frame that fills the
 * screen for a full-screen app and leaves it without its final newline, so whatever came next (the
 * shell prompt, the Next: block) would land on that line.
 */
export async function viewEnded(instance: Instance, stdout: NodeJS.WriteStream = process.stdout): Promise<void> {
  await instance.waitUntilExit();
  stdout.write('\n');
}

export interface InkReporter extends Reporter {
  readonly store: RunStore;
  /** The run's final results (the kept checkpoint's metrics, the results file) for the summary; call before close(). */
  finish(results: FinalResults): void;
  /** Resolves once the view has drawn its last frame and unmounted. */
  readonly exited: Promise<void>;
}

export interface InkReporterOptions extends TerminalStreams {
  /** The keys (p, s, e, q, Ctrl-C) steer the run through it; without one the view only watches. */
  control?: TrainerControl;
  onInterrupt?: () => void;
  onForceQuit?: () => void;
}

/**
 * The live progress view as a Reporter (for `finetune` on a TTY): no setup screen, the same extraction,
 * training and summary screens and keys as `transferkit train`. Events only update a store; the view
 * redraws from it about 10 times a second. close() draws the final frame and unmounts.
 */
export function createInkReporter(options: InkReporterOptions = {}): InkReporter {
  const store = new RunStore();
  const { control, onInterrupt, onForceQuit, ...streams } = options;
  const instance = renderTrainer({ store, control, onInterrupt, onForceQuit }, streams);
  const exited = viewEnded(instance, streams.stdout);
  return {
    store,
    exited,
    onEvent: store.push,
    finish: (results) => store.finish(results),
    async close() {
      store.close();
      await exited;
    },
  };
}
