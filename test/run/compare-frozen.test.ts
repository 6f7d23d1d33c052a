import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, runFinetune } from '../../src/index.ts';
import { formatResultsTable } from '../../src/report/summary.ts';
import { scratchRun } from '../helpers/tiny-model.ts';

describe('finetune --compare-frozen', () => {
  const run = scratchRun('transferkit-compare-frozen-');
  const config = () => ({ ...defaultFinetuneConfig(), model: run.model, epochs: 2, batchSize: 64, maxTrainSamples: 128, maxEvalSamples: 64, pooling: 'mean' as const, tfBackend: 'wasm', compareFrozen: true });

  it('is refused without --unfreeze-top (it would compare nothing)', async () => {
    await expect(runFinetune({ ...config(), outputDir: join(run.dir, 'frozen') }, { emit: () => {} })).rejects.toMatchObject({ kind: 'usage', where: { flag: '--compare-frozen' }, message: expect.stringMatching(/--unfreeze-top/) });
  });

  it('trains the frozen head in the same run and reports it beside the trained layers, with the gain', async () => {
    const notices: string[] = [];
    const outcome = await runFinetune({ ...config(), unfreezeTop: 1, outputDir: join(run.dir, 'top1') }, { emit: (e) => e.type === 'notice' && notices.push(e.message) });
    const baseline = outcome.frozenBaseline!;
    expect(baseline.eval.validation!.n).toBe(64);
    expect(baseline.epoch).toBeGreaterThanOrEqual(1);
    expect(notices.some((m) => m.startsWith('frozen-head baseline: validation accuracy'))).toBe(true);
    const results = JSON.parse(await readFile(outcome.resultsFile, 'utf8'));
    expect(results.frozen_baseline.eval.validation.accuracy).toBe(baseline.eval.validation!.accuracy);
    const table = formatResultsTable(outcome);
    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    expect(table).toMatch(new RegExp(`validation, frozen head +64 +${pct(baseline.eval.validation!.accuracy).replace('.', '\\.')}`));
    const gain = (outcome.eval.validation!.accuracy - baseline.eval.validation!.accuracy) * 100;
    expect(table).toContain(`validation ${pct(baseline.eval.validation!.accuracy)} -> ${pct(outcome.eval.validation!.accuracy)} (${gain >= 0 ? '+' : ''}${gain.toFixed(2)} points)`);
  }, 180_000);
});
