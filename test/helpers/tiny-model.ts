/**
 * The tiny generated BERT for tests: built once per machine into a shared temp cache (not the user's
 * ~/.cache), reused by every test file and worker.
 */
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
 * For in-process runFinetune tests: a scratch folder with its own feature cache (TRANSFERKIT_CACHE)
 * and the tiny model, set up before the file's tests and removed after. Read the fields inside tests.
 */
export function scratchRun(prefix: string): { dir: string; model: string } {
  const state = { dir: '', model: '' };
  let cleanup = async () => {};
  const previousCache = process.env.TRANSFERKIT_CACHE;
  beforeAll(async () => {
    ({ dir: state.dir, cleanup } = await scratchDir(prefix));
    state.model = await tinyModelDir();
    process.env.TRANSFERKIT_CACHE = join(state.dir, 'cache');
  });
  afterAll(async () => {
    if (previousCache === undefined) delete process.env.TRANSFERKIT_CACHE;
    else process.env.TRANSFERKIT_CACHE = previousCache;
    await cleanup();
  });
  return state;
}
