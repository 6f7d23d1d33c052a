/**
 * The tiny generated BERT for tests: built once per machine into a shared temp cache (not the user's
 * ~/.cache), reused by every test file and worker.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ensureTinyBert, makeBertModel, type BertModelInfo, type BertOptions } from '../../src/fixtures/bert.ts';

export const TEST_CACHE_DIR = join(tmpdir(), 'transferkit-test-cache');

/** Folder of the tiny default model (config.json, tokenizer files, onnx/model.onnx). */
export function tinyModelDir(): Promise<string> {
  return ensureTinyBert(join(TEST_CACHE_DIR, 'fixtures'));
}

/** A scratch folder removed by the returned cleanup (call it in afterAll). */
export async function scratchDir(prefix = 'transferkit-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A one-off generated model in `parent` (for tests that need other sizes, seeds or node names). */
export function makeTestBert(parent: string, name: string, options: Omit<BertOptions, 'outDir'>): Promise<BertModelInfo> {
  return makeBertModel({ ...options, outDir: join(parent, name) });
}

/**
 * A scratch folder made before the file's (or describe block's) tests and removed after them. Read
 * `dir` inside tests: it is set once the hooks have run.
 */
export function scratchFolder(prefix: string): { dir: string } {
  const state = { dir: '' };
  let cleanup = async () => {};
  beforeAll(async () => {
    ({ dir: state.dir, cleanup } = await scratchDir(prefix));
  });
  afterAll(() => cleanup());
  return state;
}

/**
 * For in-process runFinetune tests: a scratch folder with its own feature cache (TRANSFERKIT_CACHE)
 * and the tiny model, set up before the file's tests and removed after. Read the fields inside tests.
 */
export function scratchRun(prefix: string): { dir: string; model: string } {
  const folder = scratchFolder(prefix);
  const state = {
    get dir() {
      return folder.dir;
    },
    model: '',
  };
  const previousCache = process.env.TRANSFERKIT_CACHE;
  beforeAll(async () => {
    state.model = await tinyModelDir();
    process.env.TRANSFERKIT_CACHE = join(folder.dir, 'cache');
  });
  afterAll(() => {
    if (previousCache === undefined) delete process.env.TRANSFERKIT_CACHE;
    else process.env.TRANSFERKIT_CACHE = previousCache;
  });
  return state;
}

/** Writes a test input file into `dir` and returns its path. */
export function writeFixture(dir: string, name: string, content: string | Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}
