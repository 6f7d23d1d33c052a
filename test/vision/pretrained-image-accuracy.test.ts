import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFinetune } from '../../src/run/finetune.ts';
import { taskDefaults } from '../../src/run/config.ts';
import { scratchRun } from '../helpers/tiny-model.ts';
import { titleUnless } from '../helpers/shared.ts';

const resnet8 = resolve(import.meta.dirname, '../../../shared/models/resnet8-cifar10');
const cifar = resolve(import.meta.dirname, '../../../shared/data/cifar10-sample');
const haveShared = existsSync(resnet8) && existsSync(cifar);

describe.skipIf(!haveShared)(titleUnless(haveShared, 'transfer learning on real weights: ResNet8 on the CIFAR-10 sample (../shared)', `${resnet8} or ${cifar}`), () => {
  const scratch = scratchRun('tk-resnet8-');

  it('default image settings reach >= 76% test accuracy (a logistic-regression probe gets 78.4%)', async () => {
    const outcome = await runFinetune(
      { ...taskDefaults('image-classification'), model: resnet8, train: join(cifar, 'train'), validation: { test: join(cifar, 'test') }, outputDir: join(scratch.dir, 'run') },
      { emit: () => {} },
    );
    expect(outcome.eval.test.n).toBe(1000);
    expect(outcome.eval.test.accuracy).toBeGreaterThanOrEqual(0.76);
    const results = JSON.parse(readFileSync(outcome.resultsFile, 'utf8'));
    expect(results).toMatchObject({ task: 'image-classification', pooling: 'pooler', standardize: true, train: { n: 2000, epochs: 16 } });
  }, 300_000);
});
