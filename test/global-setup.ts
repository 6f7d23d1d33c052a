/**
 * Once per `vitest run`, in the main process: a scratch folder shared by every test file of the run
 * (`inject('suiteDir')`), for work done once and read by several files (test/helpers/npm-start.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    suiteDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const suiteDir = await mkdtemp(join(tmpdir(), 'transferkit-suite-'));
  project.provide('suiteDir', suiteDir);
  return () => rm(suiteDir, { recursive: true, force: true });
}
