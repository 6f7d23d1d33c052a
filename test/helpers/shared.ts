import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** ../shared next to the repository root (real data for tests; absent on some machines). */
export const SHARED_DIR = resolve(import.meta.dirname, '../../../shared');

/** True when every given path below ../shared exists. */
export function haveShared(...paths: string[]): boolean {
  return paths.every((path) => existsSync(resolve(SHARED_DIR, path)));
}

/**
 * A describe/it title that says why it is skipped when `present` is false, so the test report (not only a
 * console line) shows what did not run: use with describe.skipIf(!present) / it.skipIf(!present).
 */
export function titleUnless(present: boolean, title: string, missing: string): string {
  return present ? title : `${title} — skipped: ${missing} is absent`;
}
