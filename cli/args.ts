import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from '../src/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
/** Spelled out so the emitted .d.ts can name it (util's own result type is not exported). */
type ParsedFlags<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>>;

/** util.parseArgs with its errors turned into one-line usage errors that name the flag. */
export function parseFlags<T extends Options>(argv: string[], options: T, allowPositionals = false): ParsedFlags<T> {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    // The message already quotes the flag (Unknown option '--foo'), so it is not repeated as a prefix.
    throw usageError(message);
  }
}

export function requireFlag(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw usageError('is required', flag);
  return value;
}

export function intFlag(value: string | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw usageError(`must be an integer >= ${min}, got '${value}'`, flag);
  return n;
}

export function numberFlag(value: string | undefined, flag: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw usageError(`must be a number >= ${min}, got '${value}'`, flag);
  return n;
}

export function choiceFlag<C extends string>(value: string | undefined, flag: string, choices: readonly C[], fallback: C): C {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw usageError(`must be one of ${choices.join(', ')}; got '${value}'`, flag);
  }
  return value as C;
}
