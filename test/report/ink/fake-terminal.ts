import { EventEmitter } from 'node:events';
export { CLEAR_SCREEN } from '../../../src/report/ink/hooks/use-resize-redraw.ts';

/** A terminal's stdout for Ink: a size that can change (with the 'resize' event) and everything written. */
export class FakeStdout extends EventEmitter {
  columns = 100;
  rows = 40;
  isTTY = true;
  output = '';
  write = (chunk: string) => {
    this.output += chunk;
    return true;
  };
  resize(columns: number, rows = this.rows) {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export class FakeStdin extends EventEmitter {
  isTTY = true;
  private pending: string | null = null;
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const data = this.pending;
    this.pending = null;
    return data;
  };
  type(data: string) {
    this.pending = data;
    this.emit('readable');
  }
}

/** Streams for renderTrainer / createInkReporter, colours off. */
export function fakeTerminal(size: { columns?: number; rows?: number } = {}) {
  const stdout = new FakeStdout();
  stdout.columns = size.columns ?? stdout.columns;
  stdout.rows = size.rows ?? stdout.rows;
  const stderr = new FakeStdout();
  const stdin = new FakeStdin();
  const cast = <T>(x: unknown) => x as T;
  return {
    stdout,
    stdin,
    options: { stdout: cast<NodeJS.WriteStream>(stdout), stderr: cast<NodeJS.WriteStream>(stderr), stdin: cast<NodeJS.ReadStream>(stdin), env: { NO_COLOR: '1' }, patchConsole: false },
  };
}

/** Text as the terminal shows it, escape sequences removed. */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');
}
