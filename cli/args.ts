import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from '../src/errors.ts';
import { closest } from '../src/core/suggest.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
/** Spelled out so the emitted .d.ts can name it (util's own result type is not exported). */
type ParsedFlags<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>>;

/**
 * util.parseArgs with its errors turned into one-line usage errors that name the flag: an unknown flag
 * suggests the nearest known one, and a negative number is taken as the value of the flag before it.
 */
export function parseFlags<T extends Options>(argv: string[], options: T, allowPositionals = false): ParsedFlags<T> {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals, strict: true });
  } catch (error) {
    const { code, message } = error as Error & { code?: string };
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw unknownFlag(message, options);
    // The message already quotes the flag (Option '--foo' …), so it is not repeated as a prefix.
    throw usageError(message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

/**
 * `--epochs -1` → `--epochs=-1`. parseArgs refuses a value that starts with a dash as "ambiguous" (it might
 * be a forgotten value followed by a flag); a negative number cannot be a flag, so it is the value, and
 * the flag's own check then says what range it wants.
 */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

function unknownFlag(message: string, options: Options) {
  const given = /'([^']+)'/.exec(message)?.[1] ?? message;
  // `--help` is answered before parsing, so it is a flag every command has.
  const nearest = closest(given.split('=')[0], [...Object.keys(options), 'help'].map((name) => `--${name}`));
  return usageError(`unknown flag '${given}'${nearest ? `; did you mean ${nearest}?` : ' (see --help for the flags)'}`);
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
