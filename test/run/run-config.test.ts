import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFinetuneConfig } from '../../src/run/config.ts';
import { readRunConfig, RUN_CONFIG_FILE, writeRunConfig } from '../../src/run/run-config.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';

describe('run-config.json', () => {
  const scratch = scratchFolder('transferkit-runconfig-');

  it('round-trips the settings, without resume/overwrite', async () => {
    const config = { ...defaultFinetuneConfig(), model: 'bundled:tiny-bert', epochs: 7, validation: { m: 'a.tsv' }, maxTrainSamples: 50, resume: true, overwrite: true };
    await writeRunConfig(scratch.dir, config);
    expect(await readRunConfig(scratch.dir)).toEqual({ ...config, resume: false, overwrite: false });
  });

  it('is null where no run saved one', async () => {
    expect(await readRunConfig(join(scratch.dir, 'nothing-here'))).toBeNull();
  });

  it('names the file when it is damaged or holds a wrong type', async () => {
    await writeFile(join(scratch.dir, RUN_CONFIG_FILE), '{"epochs": 3');
    await expect(readRunConfig(scratch.dir)).rejects.toMatchObject({ kind: 'input', where: { file: join(scratch.dir, RUN_CONFIG_FILE) } });
    await writeFile(join(scratch.dir, RUN_CONFIG_FILE), '{"epochs": "three"}');
    await expect(readRunConfig(scratch.dir)).rejects.toThrow(/setting 'epochs' should be a number/);
  });
});
