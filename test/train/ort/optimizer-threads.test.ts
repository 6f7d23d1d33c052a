/**
 * The ort engine with its optimizer on two threads (a worker updating part of the weights) trains the same
 * bits as on one, and builds its sessions with ONNX Runtime's threads stopping their spinning after each run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextBackbone } from '../../../src/backbones/types.ts';
import { Rng } from '../../../src/core/index.ts';
import { initTf } from '../../../src/heads/backend.ts';
import { BACKBONE_OPTIMIZER_PREFIX } from '../../../src/train/checkpoints.ts';
import { addGradients } from '../../../src/train/onnx-grad/index.ts';
import { Optimizer } from '../../../src/train/optimizers.ts';
import { OrtEngine } from '../../../src/train/ort/ort-engine.ts';
import { scratchRun } from '../../helpers/tiny-model.ts';
import { HEADS, LABELS, stepFixture, tinyBackbone } from './step-fixture.ts';

const run = scratchRun('transferkit-ort-threads-');
let base: TextBackbone;

beforeAll(async () => {
  await initTf('cpu');
  base = await tinyBackbone(run.dir);
});
afterAll(() => base?.dispose());

describe('ort engine, optimizer on two threads', () => {
  it('steps to the same losses and weights as on one thread, with spinning stopped after each run in its sessions', async () => {
    const f = await stepFixture(base, 2, HEADS.mlp!, 'cls', addGradients);
    const params = [...f.head.variables(), ...f.split.top.variables().map((v) => ({ ...v, name: `${BACKBONE_OPTIMIZER_PREFIX}${v.name}` }))];
    const optimizer = new Optimizer({ kind: 'adamw', weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 }, params);
    const engines = ([1, 2] as const).map((optimizerThreads) => new OrtEngine(f.split, HEADS.mlp!, 'cls', addGradients, 'cpu', { optimizerThreads }));
    try {
      for (const engine of engines) await engine.attach(params, optimizer);
      const internals = (engine: OrtEngine) => engine as unknown as { attached: { optimizerThreads: number; weights: Map<string, { data: Float32Array }> }; sessions: { spinAfterRun: boolean } };
      expect(engines.map((e) => internals(e).attached.optimizerThreads)).toEqual([1, 2]);
      expect(engines.map((e) => internals(e).sessions.spinAfterRun)).toEqual([true, false]);
      for (let step = 0; step < 4; step++) {
        const results = [];
        for (const engine of engines) results.push(await engine.step(f.batch, LABELS, new Rng(step), { lr: 1e-2, maxGradNorm: 0.5, classWeights: null, classWeightsTensor: null }));
        expect(results[1]).toEqual(results[0]);
      }
      const [one, two] = engines.map((e) => internals(e).attached.weights);
      for (const [name, { data }] of one!) expect(Array.from(two!.get(name)!.data), name).toEqual(Array.from(data));
    } finally {
      for (const engine of engines) await engine.dispose();
      optimizer.dispose();
      await f.dispose();
    }
  });
});
