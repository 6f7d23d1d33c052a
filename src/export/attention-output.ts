import { readdir, stat } from 'node:fs/promises';
import { relative, resolve, isAbsolute } from 'node:path';
import { usageError } from '../errors.ts';
import type { AttentionFormat } from './attention-export.ts';
import { checkOutputParent } from './output-path.ts';

/** What a previous npy dump holds at its top level; only such a directory may be replaced. */
const DUMP_MARKERS = ['tokens.json', 'index.json'];

/**
 * Checks `out` before any work: json and html write a file, so `out` must not be a directory; npy replaces
 * the directory `out` as a whole, so it must be new, empty or an earlier attention dump, and never the
 * working directory or one above it (replacing those would delete unrelated files).
 */
export async function checkAttentionOutput(format: AttentionFormat, out: string): Promise<void> {
  const existing = await stat(out).catch(() => null);
  if (format !== 'npy') {
    if (existing?.isDirectory() || /[\\/]$/.test(out)) throw usageError(`${format} output is a file, but '${out}' is a directory`, '--out');
    await checkOutputParent(out, '--out');
    return;
  }
  const fromOut = relative(resolve(out), process.cwd());
  if (fromOut === '' || (!fromOut.startsWith('..') && !isAbsolute(fromOut))) {
    throw usageError(`'${out}' holds the current directory; give a new directory for the npy dump`, '--out');
  }
  if (existing === null) return checkOutputParent(out, '--out');
  if (!existing.isDirectory()) throw usageError(`'${out}' is a file; the npy format writes a directory`, '--out');
  const entries = await readdir(out);
  if (entries.length > 0 && !entries.some((name) => DUMP_MARKERS.includes(name))) {
    throw usageError(`'${out}' is a non-empty directory that is not an attention dump; the npy dump replaces its directory, so give a new or empty one`, '--out');
  }
}
