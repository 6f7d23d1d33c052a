import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TextBackbone } from '../../../src/backbones/types.ts';
import { initTf } from '../../../src/heads/backend.ts';
import { ShapeTable } from '../../../src/train/onnx-grad/shapes.ts';
import { buildTrainingGraph } from '../../../src/train/ort/training-graph.ts';
import { scratchRun } from '../../helpers/tiny-model.ts';
import { maxAbsDiff } from '../../backbones/onnx/ort-session.ts';
import { CLASS_WEIGHTS, HEADS, LABELS, stepFixture, tinyBackbone, tfjsForward } from './step-fixture.ts';

const run = scratchRun('transferkit-ort-graph-');
let base: TextBackbone;
const noGradients = () => {
  throw new Error('a forward session needs no gradients');
};

beforeAll(async () => {
  await initTf('cpu');
  base = await tinyBackbone(run.dir);
});
afterAll(() => base?.dispose());

describe('training-step graph forward (ONNX Runtime) vs the TF.js engine, same weights and batch', () => {
  for (const k of [1, 2, 'all'] as const) {
    for (const [headName, spec] of Object.entries(HEADS)) {
      for (const pooling of ['cls', 'mean'] as const) {
        it(`k=${k}, ${headName} head, ${pooling} pooling: loss and logits within 1e-5`, async () => {
          const f = await stepFixture(base, k, spec, pooling, noGradients);
          try {
            const reference = tfjsForward(f, pooling);
            const out = await f.engine.compute('forward', f.batch, { labels: LABELS, classWeights: CLASS_WEIGHTS });
            expect(Math.abs(out.loss - reference.loss)).toBeLessThan(1e-5);
            expect(maxAbsDiff(out.logits, reference.logits)).toBeLessThan(1e-5);
            // Not a trivial agreement: the examples' logits differ from one another.
            expect(maxAbsDiff(reference.logits.subarray(0, 3), reference.logits.subarray(3, 6))).toBeGreaterThan(1e-3);
          } finally {
            await f.dispose();
          }
        });
      }
    }
  }
});

describe('training-step graph shape', () => {
  it("[CLS] pooling runs the top layer's FFN on one row per example, the layers below (and mean pooling) on every token", async () => {
    const f = await stepFixture(base, 2, HEADS.linear!, 'cls', noGradients);
    const shapeOf = (pooling: 'cls' | 'mean') => {
      const { model } = buildTrainingGraph({ ...f.engine.graphShape, pooling, batch: 5, seq: 16, dropout: false });
      const table = new ShapeTable(model.graph);
      return (layer: number) => table.dims(model.graph.node.find((n) => n.name === `/encoder/layer.${layer}/intermediate/dense/MatMul`)!.output[0]!);
    };
    try {
      const cls = shapeOf('cls');
      const mean = shapeOf('mean');
      expect(cls(1)).toEqual([5, 1, 64]);
      expect(cls(0)).toEqual([5, 16, 64]);
      expect(mean(1)).toEqual([5, 16, 64]);
    } finally {
      await f.dispose();
    }
  });

  it("[CLS] pooling folds the query into the top layer's keys and values: no product there is [B, S, hidden] (no per-token projection)", async () => {
    const f = await stepFixture(base, 2, HEADS.linear!, 'cls', noGradients);
    try {
      const { model } = buildTrainingGraph({ ...f.engine.graphShape, batch: 5, seq: 16, dropout: false });
      const table = new ShapeTable(model.graph);
      const products = (layer: number) =>
        model.graph.node.filter((n) => n.opType === 'MatMul' && n.name.startsWith(`/encoder/layer.${layer}/attention/self/`)).map((n) => table.dims(n.output[0]!)!.join('x'));
      expect(products(0)).toContain('5x16x32');
      // The query [B, 1, hidden], folded keys [heads, hidden, B], scores [B, S, heads], probability-weighted tokens [B, heads, hidden], context [heads, B, d].
      expect(products(1)).toEqual(['5x1x32', '4x32x5', '5x16x4', '5x4x32', '4x5x8']);
    } finally {
      await f.dispose();
    }
  });
});
