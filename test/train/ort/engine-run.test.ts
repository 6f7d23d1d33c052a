/**
 * The same seeded finetune with backbone layers on the bundled tiny model (length-grouped batches), once
 * per engine: the ort engine's run ends with the TF.js engine's metrics (train and validation loss within 1e-4, the same
 * accuracy), and each names its engine in results.json.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, runFinetune, TrainerControl, type RunEvent } from '../../../src/index.ts';
import { parseConfigField } from '../../../src/run/config.ts';
import { scratchRun } from '../../helpers/tiny-model.ts';

const run = scratchRun('transferkit-engine-run-');

function runConfig(engine: 'ort' | 'tfjs', unfreezeTop: number | 'all', head: 'linear' | 'mlp', outputDir = join(run.dir, `${engine}-${unfreezeTop}-${head}`)) {
  return {
    ...defaultFinetuneConfig(),
    model: run.model,
    epochs: 2,
    // Length-grouped batches (megabatches of 2 batches here): both engines, and a resumed run, must see the same ones.
    batchSize: 8,
    groupByLength: true,
    maxTrainSamples: 64,
    maxEvalSamples: 32,
    pooling: 'mean' as const,
    head,
    tfBackend: 'wasm',
    lr: 5e-3,
    unfreezeTop,
    trainEngine: engine,
    outputDir,
  };
}

async function finetune(engine: 'ort' | 'tfjs', unfreezeTop: number | 'all', head: 'linear' | 'mlp', pooling: 'mean' | 'cls') {
  const events: RunEvent[] = [];
  const outcome = await runFinetune({ ...runConfig(engine, unfreezeTop, head, join(run.dir, `${engine}-${unfreezeTop}-${head}-${pooling}`)), pooling }, { emit: (e) => events.push(e) });
  const results = JSON.parse(await readFile(outcome.resultsFile, 'utf8'));
  const notices = events.flatMap((e) => (e.type === 'notice' ? [e.message] : []));
  return { outcome, results, notices };
}

describe('a seeded run trains the layers to the same metrics on either engine', () => {
  // [CLS] pooling: the ort graph's top layer is [CLS]-only with the query folded into the keys and values.
  for (const [unfreezeTop, head, pooling] of [[2, 'linear', 'mean'], ['all', 'mlp', 'mean'], [2, 'linear', 'cls']] as const) {
    it(`unfreeze top ${unfreezeTop}, ${head} head, ${pooling} pooling: train and validation loss within 1e-4, same accuracy`, async () => {
      const tfjs = await finetune('tfjs', unfreezeTop, head, pooling);
      const ort = await finetune('ort', unfreezeTop, head, pooling);
      expect(tfjs.results.backbone_training.engine).toBe('tfjs wasm');
      expect(ort.results.backbone_training.engine).toBe('ort cpu');
      expect(ort.notices.some((m) => /train on ort cpu$/.test(m))).toBe(true);
      expect(Math.abs(ort.outcome.train.loss - tfjs.outcome.train.loss)).toBeLessThan(1e-4);
      expect(ort.outcome.train.accuracy).toBe(tfjs.outcome.train.accuracy);
      expect(Math.abs(ort.outcome.eval.validation!.loss - tfjs.outcome.eval.validation!.loss)).toBeLessThan(1e-4);
      expect(ort.outcome.eval.validation!.accuracy).toBe(tfjs.outcome.eval.validation!.accuracy);
    });
  }

  it("ort engine: stopped mid-epoch (checkpoint) and resumed, the run ends with the uninterrupted run's metrics", async () => {
    const whole = await runFinetune(runConfig('ort', 2, 'mlp', join(run.dir, 'whole')), { emit: () => {} });
    const control = new TrainerControl();
    const stopped = await runFinetune(runConfig('ort', 2, 'mlp', join(run.dir, 'resumed')), {
      emit: (e) => e.type === 'step' && e.epoch === 2 && e.step === 2 && control.stop(),
      control,
    });
    expect(stopped.interrupted).toBe(true);
    const resumed = await runFinetune({ ...runConfig('ort', 2, 'mlp', join(run.dir, 'resumed')), resume: true }, { emit: () => {} });
    expect(resumed.train.steps).toBe(whole.train.steps);
    expect(resumed.train.loss).toBe(whole.train.loss);
    expect(resumed.eval.validation).toEqual(whole.eval.validation);
  });

  it('--train-engine takes ort, tfjs or auto, naming the flag otherwise', () => {
    expect(parseConfigField('trainEngine', 'ort')).toBe('ort');
    expect(() => parseConfigField('trainEngine', 'onnx')).toThrow(expect.objectContaining({ kind: 'usage', where: { flag: '--train-engine' } }));
  });
});
