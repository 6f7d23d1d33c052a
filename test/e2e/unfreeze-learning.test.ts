import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, runFinetune } from '../../src/index.ts';
import { scratchRun } from '../helpers/tiny-model.ts';

/**
 * Issue 13's "Learning": on the bundled set, training the bundled tiny BERT's layers beats the frozen
 * head by at least 20 accuracy points. The frozen head is the --compare-frozen baseline of the same run
 * (same head, settings and seed on the frozen backbone's features). The recipe is npm start's (7 epochs,
 * all layers and the embeddings at the head's learning rate); on the ort training engine (the auto
 * choice) it takes about 30 s. With --train-engine tfjs the same run takes minutes of CPU.
 * `--unfreeze-top 2` (embeddings frozen) does not reach the margin reliably, so it is not asserted: +12 to
 * +16 points at 7-8 epochs, and at 20 epochs +22.33 / +20.33 / +19.83 / +19.50 (seeds 1 / 2 / 42 / 3);
 * the README's learning section lists the recipes tried.
 */
const recipe = { pooling: 'mean' as const, head: 'mlp' as const, epochs: 7, backboneLrRatio: 1, compareFrozen: true };

describe('training the layers learns (bundled tiny BERT, bundled NLI set)', () => {
  const run = scratchRun('transferkit-unfreeze-learning-');
  it.each([
    { unfreezeTop: 'all' as const, lr: 5e-3 },
  ])('--unfreeze-top $unfreezeTop --lr $lr beats the frozen head by 20 points', async ({ unfreezeTop, lr }) => {
    const outcome = await runFinetune({ ...defaultFinetuneConfig(), ...recipe, model: run.model, unfreezeTop, lr, outputDir: join(run.dir, String(unfreezeTop)) }, { emit: () => {} });
    const frozen = outcome.frozenBaseline!.eval.validation!.accuracy;
    const trained = outcome.eval.validation!.accuracy;
    expect(frozen).toBeGreaterThan(0.4); // the baseline itself learned (chance is 1/3)
    expect(trained - frozen).toBeGreaterThanOrEqual(0.2);
  }, 300_000);
});
