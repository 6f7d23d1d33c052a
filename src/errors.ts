/**
 * One error type for everything a user can cause or fix. The CLI prints `error: <message>` and exits
 * with `exitCode`; the stack trace is only shown with --verbose.
 */
/** usage and input: the user can fix the command or the data (exit 2); runtime: it failed (exit 1); interrupted: stopped by Ctrl-C (exit 130). */
export type ErrorKind = 'usage' | 'input' | 'runtime' | 'interrupted';

export interface ErrorWhere {
  file?: string;
  line?: number;
  flag?: string;
}

export class TransferKitError extends Error {
  readonly kind: ErrorKind;
  readonly where: ErrorWhere;

  constructor(kind: ErrorKind, message: string, where: ErrorWhere = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransferKitError';
    this.kind = kind;
    this.where = where;
  }

  /** 2 for usage and bad input, 1 for failures at run time, 130 (128 + SIGINT) when stopped by the user. */
  get exitCode(): 1 | 2 | 130 {
    return this.kind === 'interrupted' ? 130 : this.kind === 'runtime' ? 1 : 2;
  }

  /** The one line the CLI prints: location first, as compilers do (`file:line: message`). */
  get line(): string {
    const { file, line, flag } = this.where;
    const place = file ? (line ? `${file}:${line}: ` : `${file}: `) : flag ? `${flag}: ` : '';
    return `${place}${this.message}`;
  }
}

export const usageError = (message: string, flag?: string) => new TransferKitError('usage', message, { flag });
export const inputError = (message: string, where: ErrorWhere = {}) => new TransferKitError('input', message, where);
export const runtimeError = (message: string, where: ErrorWhere = {}, cause?: unknown) =>
  new TransferKitError('runtime', message, where, { cause });
export const interruptedError = (message: string) => new TransferKitError('interrupted', message);
