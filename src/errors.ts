/**
 * One error type for everything a user can cause or fix. The CLI prints `error: <message>` and exits
 * with `exitCode`; the stack trace is only shown with --verbose.
 */
export type ErrorKind = 'usage' | 'input' | 'runtime';

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

  /** 2 for usage and bad input, 1 for failures at run time. */
  get exitCode(): 1 | 2 {
    return this.kind === 'runtime' ? 1 : 2;
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
