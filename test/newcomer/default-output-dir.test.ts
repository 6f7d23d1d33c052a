/** Issue 10 item 9: the default run folders of `train` and `finetune` never collide, and are printed. */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, interactiveFinetuneConfig } from '../../src/run/config.ts';
import { runCli } from '../helpers/cli-run.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';

const small = ['--epochs', '1', '--max-train-samples', '60', '--max-eval-samples', '60', '--max-length', '32'];

describe('default output folders', () => {
  const scratch = scratchFolder('transferkit-default-dir-');

  it('are timestamped under runs/, and a folder that exists already is never chosen', async () => {
    const first = defaultFinetuneConfig().outputDir;
    expect(first).toMatch(/^runs\/\d{8}-\d{6}(-\d+)?$/);
    expect(interactiveFinetuneConfig().outputDir).toMatch(/^runs\/\d{8}-\d{6}(-\d+)?$/);
    const cwd = process.cwd();
    try {
      process.chdir(scratch.dir);
      const taken = defaultFinetuneConfig().outputDir;
      await mkdir(taken, { recursive: true });
      expect(defaultFinetuneConfig().outputDir).not.toBe(taken);
    } finally {
      process.chdir(cwd);
    }
  });

  it('`train` then `finetune --model bundled:tiny-bert` in the same folder both run, each into its own printed folder', async () => {
    const trained = await runCli(scratch.dir, ['train', '--no-ui', ...small]);
    expect(trained.stderr).not.toMatch(/error/);
    expect(trained.code).toBe(0);
    const tuned = await runCli(scratch.dir, ['finetune', '--model', 'bundled:tiny-bert', ...small]);
    expect(tuned.stderr).not.toMatch(/error/);
    expect(tuned.code).toBe(0);
    const folder = (result: { stdout: string; stderr: string }) => /output dir (runs\/[^\s;|]+)/.exec(result.stdout + result.stderr)?.[1];
    const [a, b] = [folder(trained), folder(tuned)];
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(a).not.toBe(b);
    for (const dir of [a!, b!]) expect(existsSync(join(scratch.dir, dir, 'results.json'))).toBe(true);
    // The bundled training set is validated on its own validation split, and Next: suggests that set.
    expect(tuned.stdout).toMatch(/Next:[\s\S]*--data bundled:nli-tiny\/validation/);
  });

  it('--resume without --output-dir is a usage error naming --output-dir', async () => {
    const { code, stderr } = await runCli(scratch.dir, ['finetune', '--model', 'bundled:tiny-bert', '--resume']);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/^error: --resume: .*--output-dir/);
  });
});
