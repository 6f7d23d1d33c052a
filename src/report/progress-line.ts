/**
 * Progress of a one-shot command (embed, predict, eval) on stderr: a rewritten line on a terminal,
 * a line per ~10% otherwise, so logs stay short.
 */
export function progressPrinter(verb: string, unit: string, stream: NodeJS.WriteStream = process.stderr): (done: number, total: number) => void {
  const started = performance.now();
  const tty = stream.isTTY;
  let lastTenth = -1;
  return (done, total) => {
    const rate = done / Math.max((performance.now() - started) / 1000, 1e-9);
    const line = `${verb} ${done}/${total} ${unit} (${rate.toFixed(1)}/s)`;
    if (tty) {
      // ESC[K erases what a longer previous update left to the right (the rate can lose digits).
      stream.write(`\r${line}\u001B[K${done === total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor((done / Math.max(total, 1)) * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      stream.write(`${line}\n`);
    }
  };
}
