export { TrainerApp, type TrainerAppProps, type SetupProps } from './App.tsx';
export { canUseInk, createInkReporter, renderTrainer, viewEnded, type InkReporter, type InkReporterOptions, type TerminalStreams } from './ink-reporter.tsx';
export { RunStore, type FinalResults, type RunState } from './run-store.ts';
export { themeFor, type Theme } from './theme.ts';
export { formatAfterView, formatNextSteps } from './next-commands.ts';
