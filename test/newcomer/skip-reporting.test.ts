/**
 * Issue 10 item 24: a test that skips says so in the test report (its title), not only in a console line
 * that a report never shows.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const testRoot = resolve(import.meta.dirname, '..');

async function testFiles(): Promise<{ file: string; text: string }[]> {
  const files = (await readdir(testRoot, { recursive: true })).map(String).filter((f) => /\.test\.tsx?$/.test(f));
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(join(testRoot, file), 'utf8') })));
}

describe('skipped tests are named as skipped', () => {
  it('no test announces a skip with console.warn', async () => {
    const warned = (await testFiles()).filter(({ text }) => /console\.warn\([^)]*skip/i.test(text)).map(({ file }) => file);
    expect(warned).toEqual([]);
  });

  it('every test that skips without ../shared gives the reason in a title (titleUnless, or a skipped test saying it is absent)', async () => {
    const silent = (await testFiles())
      .filter(({ text }) => /\.\.\/shared|haveShared\(/.test(text) && /skipIf\(/.test(text) && !/titleUnless\(|\.skip\(`[^`]*absent/.test(text))
      .map(({ file }) => file);
    expect(silent).toEqual([]);
  });
});
