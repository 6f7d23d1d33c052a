/**
 * The Lightning-style workflow through the public API (src/index.ts): finetune, load the checkpoint,
 * freeze, predict, then reuse the trained model — frozen — as the backbone of the next finetune.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, runFinetune, TransferModel, type RunEvent } from '../../src/index.ts';
import { scratchRun } from '../helpers/tiny-model.ts';

describe('library API: finetune → loadFromCheckpoint → freeze → predict → model as backbone', () => {
  const run = scratchRun('transferkit-api-');

  const base = () => ({ ...defaultFinetuneConfig(), model: '', pooling: 'mean' as const, head: 'mlp' as const, mlpHidden: [16], epochs: 2, lr: 5e-3, maxTrainSamples: 600, tfBackend: 'cpu' });

  it('runs, reloads, predicts the same probabilities, and chains', async () => {
    const events: RunEvent[] = [];
    const first = await runFinetune({ ...base(), model: run.model, outputDir: join(run.dir, 'first') }, { emit: (e) => events.push(e) });
    expect(events[0].type).toBe('run-start');
    expect(events.filter((e) => e.type === 'extract-end').map((e) => (e as { split: string }).split)).toEqual(['train', 'validation']);
    expect(events.at(-1)?.type).toBe('run-end');
    expect(first.checkpoint).toBe(join(run.dir, 'first', 'checkpoint', 'best'));

    const trained = await TransferModel.loadFromCheckpoint(first.checkpoint!);
    trained.freeze();
    expect(trained.frozen).toBe(true);
    const inputs = [
      { text: 'A man read a book in the garden.', textPair: 'A man looked through a book.' },
      { text: 'A man read a book in the garden.', textPair: 'Nobody read a book.' },
    ];
    const prediction = await trained.predict(inputs);
    expect(prediction.labels).toHaveLength(2);
    for (const row of prediction.probabilities) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // Same model, same inputs: the same numbers from a second load.
    const again = await TransferModel.loadFromCheckpoint(first.checkpoint!);
    expect((await again.predict(inputs)).probabilities).toEqual(prediction.probabilities);
    await again.dispose();
    await trained.dispose();

    // The trained model, frozen, is the backbone of the next: its penultimate layer (16 wide) is the feature.
    const second = await runFinetune({ ...base(), model: join(run.dir, 'first', 'checkpoint'), head: 'linear', outputDir: join(run.dir, 'second') }, { emit: () => {} });
    const chained = await TransferModel.loadFromCheckpoint(second.checkpoint!);
    expect(chained.manifest.backbone?.checkpoint).toBe(first.checkpoint);
    expect(chained.head.spec.inputDim).toBe(16);
    const chainedPrediction = await chained.predict(inputs);
    expect(chainedPrediction.labels).toHaveLength(2);
    await chained.dispose();
  });
});
