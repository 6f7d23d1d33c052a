import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFinetuneConfig } from '../../src/run/config.ts';
import { readRunConfig, RUN_CONFIG_FILE, writeRunConfig } from '../../src/run/run-config.ts';
import { scratchDir } from '../helpers/tiny-model.ts';

describe('run-config.json', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await scratchDir('transferkit-runconfig-')));
  afterAll(() => cleanup());

  it('round-trips the settings, without resume/overwrite', async () => {
    const config = { ...defaultFinetuneConfig(), model: 'bundled:tiny-bert', epochs: 7, validation: { m: 'a.tsv' }, maxTrainSamples: 50, resume: true, overwrite: true };
    await writeRunConfig(dir, config);
    expect(await readRunConfig(dir)).toEqual({ ...config, resume: false, overwrite: false });
  });

  it('is null where no run saved one', async () => {
    expect(await readRunConfig(join(dir, 'nothing-here'))).toBeNull();
  });

  it('names the file when it is damaged or holds a wrong type', async () => {
    await writeFile(join(dir, RUN_CONFIG_FILE), '{"epochs": 3');
    await expect(readRunConfig(dir)).rejects.toMatchObject({ kind: 'input', where: { file: join(dir, RUN_CONFIG_FILE) } });
    await writeFile(join(dir, RUN_CONFIG_FILE), '{"epochs": "three"}');
    await expect(readRunConfig(dir)).rejects.toThrow(/setting 'epochs' should be a number/);
  });
});
