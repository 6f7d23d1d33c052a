/**
 * Every gradient rule against TF.js autodiff (tf.grads on the cpu backend) and a finite difference of
 * ONNX Runtime's own loss, on small random shapes with broadcasting. Thresholds: float32 rounding of two
 * different summation orders (TF.js), and a central difference with step 1e-2 in float32 (FD).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGradients, type GradCase } from './grad-harness.ts';
import { elementwiseCases, lossCases, matmulCases, normalizationCases, shapeCases } from './cases.ts';
import { randomShapeCases } from './random-cases.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const groups: Record<string, GradCase[]> = {
  elementwise: elementwiseCases,
  matmul: matmulCases,
  normalization: normalizationCases,
  'shape ops and reductions': shapeCases,
  'cross-entropy losses': lossCases,
  'random shapes (seeded)': randomShapeCases(2026, 4),
};

for (const [group, cases] of Object.entries(groups)) {
  describe(`gradient rules: ${group}`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const report = await checkGradients(c);
        expect(report.vsTf, 'vs TF.js autodiff').toBeLessThanOrEqual(1e-5);
        expect(report.vsFiniteDifference, 'vs finite difference').toBeLessThanOrEqual(1e-2);
      });
    }
  });
}
