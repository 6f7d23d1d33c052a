/** Polls until `check` holds (frames are redrawn on the store's timer, not synchronously). */
export async function waitFor(check: () => boolean, what: () => string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until the last frame contains every given text; returns that frame. */
export async function waitForFrame(lastFrame: () => string | undefined, ...texts: string[]): Promise<string> {
  await waitFor(
    () => texts.every((t) => (lastFrame() ?? '').includes(t)),
    () => `a frame with ${texts.map((t) => `'${t}'`).join(', ')}; last frame:\n${lastFrame()}`,
  );
  return lastFrame() ?? '';
}

/** Lets Ink handle what was written to stdin (input is read on the next turns of the event loop). */
export const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  left: '\u001B[D',
  right: '\u001B[C',
  enter: '\r',
  escape: '\u001B',
  backspace: '\u007F',
  ctrlC: '\u0003',
  ctrlU: '\u0015',
};
