import { useStdout } from 'ink';

/** Width of the terminal in columns (80 when unknown); read on each render, so resizes show at the next redraw. */
export function useTerminalWidth(): number {
  const { stdout } = useStdout();
  return stdout.columns || 80;
}

/** Bars and charts shrink on narrow terminals so each line still fits; 100 columns gives the full sizes. */
export function chartWidths(columns: number): { bar: number; chart: number } {
  return { bar: Math.min(30, Math.max(10, columns - 70)), chart: Math.min(40, Math.max(10, columns - 60)) };
}
