import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** Clears the visible screen and homes the cursor; the scrollback is left alone. */
export const CLEAR_SCREEN = '\u001B[2J\u001B[H';

/**
 * After the terminal's width changes, the terminal has re-flowed the old frame, so Ink's erase (by
 * its own count of lines) misses rows and a stale half frame stays. This clears the screen on every
 * width change and returns a number that changes with it: used as the key of the <Static> table, it
 * makes Ink print the table again (fitted to the new width) above a fresh frame.
 */
export function useResizeRedraw(): number {
  const { stdout } = useStdout();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let width = stdout.columns;
    const onResize = () => {
      if (stdout.columns === width) return;
      width = stdout.columns;
      stdout.write(CLEAR_SCREEN);
      setGeneration((n) => n + 1);
    };
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return generation;
}
