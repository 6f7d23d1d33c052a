import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npmStartRun } from '../helpers/npm-start.ts';

/**
 * Issue 13's "Learning": on the bundled set, training the bundled tiny BERT's layers beats the frozen
 * head by at least 20 accuracy points. The recipe is npm start's (7 epochs, all layers and the embeddings
 * at the head's learning rate, on the ort training engine, the auto choice), so the test reads the
 * results.json of the suite's one `npm start` run (test/helpers/npm-start.ts) instead of training the
 * same thing a second time: the frozen head is that run's --compare-frozen baseline (same head, settings
 * and seed on the frozen backbone's features). With --train-engine tfjs the same run takes minutes of CPU.
 * Its seed (42) gives +28.00 points at max length 96 (+27.50 at 128, which took 33 s instead of 19 on the
 * 2-core Xeon); seeds 1 / 2 / 3 / 4 / 5 give +17.33 / +24.50 / +25.67 / +21.67 / +16.00 at 96 (+25.33 / +20.33 /
 * +27.83 at 128 for 1-3): the margin is seed-sensitive either way (README, "Training
 * backbone layers too", lists every recipe tried, --group-by-length among them: faster epochs that learn
 * less here). `--unfreeze-top 2` (embeddings frozen) has its own test with its own recipe
 * (unfreeze-top2-learning.test.ts).
 */
/** The recipe asserted on, as npm start's flags. */
const RECIPE: Record<string, string> = { '--model': 'bundled:tiny-bert', '--pooling': 'mean', '--head': 'mlp', '--epochs': '7', '--lr': '5e-3', '--unfreeze-top': 'all', '--backbone-lr-ratio': '1', '--max-length': '96' };

describe('training the layers learns (bundled tiny BERT, bundled NLI set)', () => {
  it('npm start (--unfreeze-top all --lr 5e-3) beats the frozen head by 20 points', async () => {
    const start = await npmStartRun();
    const args = start.script.split(' ');
    for (const [flag, value] of Object.entries(RECIPE)) expect(args[args.indexOf(flag) + 1], flag).toBe(value);
    expect(args).toContain('--compare-frozen');
    expect(start.code).toBe(0);
    const results = JSON.parse(await readFile(join(start.folder, 'runs/demo/results.json'), 'utf8'));
    const frozen = results.frozen_baseline.eval.validation.accuracy;
    const trained = results.eval.validation.accuracy;
    expect(frozen).toBeGreaterThan(0.4); // the baseline itself learned (chance is 1/3)
    expect(trained - frozen).toBeGreaterThanOrEqual(0.2);
  }, 300_000);
});
