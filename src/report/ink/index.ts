export { TrainerApp, type TrainerAppProps, type SetupProps } from './App.tsx';
export { canUseInk, createInkReporter, renderTrainer, type InkReporter, type InkReporterOptions, type TerminalStreams } from './ink-reporter.tsx';
export { RunStore, type FinalResults, type RunState } from './run-store.ts';
export { themeFor, type Theme } from './theme.ts';
