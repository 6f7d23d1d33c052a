import { describe, expect, it } from 'vitest';
import { TF_BACKENDS } from '../../src/heads/backend.ts';
import { estimateEpoch, LONG_EPOCH_SECONDS, StepTimer } from '../../src/train/estimate.ts';
import { PlainReporter } from '../../src/report/plain.ts';
import { captureStream } from '../helpers/capture-stream.ts';

/** A timer fed these step times (the first is the warm-up). */
function timed(...seconds: number[]): StepTimer {
  const timer = new StepTimer();
  seconds.forEach((s, i) => timer.record(s, i === seconds.length - 1));
  return timer;
}

describe('epoch estimate for backbone-layer training', () => {
  it('times three steps after a warm-up step and takes their median', () => {
    const timer = new StepTimer();
    expect(timer.record(9, false)).toBe(false); // warm-up: compiles kernels, not counted
    expect(timer.record(2, false)).toBe(false);
    expect(timer.record(4, false)).toBe(false);
    expect(timer.record(3, false)).toBe(true);
    expect(timer.median()).toBe(3);
    // An epoch of one step: the warm-up step is all there is.
    const one = new StepTimer();
    expect(one.record(5, true)).toBe(true);
    expect(one.median()).toBe(5);
  });

  it('does not time steps that built a session for a new shape (the ort engine builds one per shape bucket)', () => {
    const timer = new StepTimer();
    timer.record(9, false, true); // warm-up
    expect(timer.record(0.5, false, true)).toBe(false); // a new bucket's session build: not a typical step
    expect(timer.record(0.03, false)).toBe(false);
    expect(timer.record(0.6, false, true)).toBe(false);
    expect(timer.record(0.02, false)).toBe(false);
    expect(timer.record(0.04, false)).toBe(true);
    expect(timer.median()).toBe(0.03);
    // Only building steps, then the last one: it is all there is.
    const only = new StepTimer();
    only.record(9, false, true);
    expect(only.record(0.5, true, true)).toBe(true);
    expect(only.median()).toBe(0.5);
  });

  it('a short epoch gets no suggestion', () => {
    const estimate = estimateEpoch({ timer: timed(1, 0.5, 0.5, 0.5), stepsPerEpoch: 100, layers: 'layers 3-4', engine: 'wasm', trainedLayers: 2, engines: TF_BACKENDS });
    expect(estimate).toMatchObject({ secondsPerStep: 0.5, secondsPerEpoch: 50, timedSteps: 3, suggestion: null });
  });

  it(`past ${LONG_EPOCH_SECONDS / 60} minutes on wasm it suggests fewer layers and the native engines, in one line`, () => {
    // 4 layers at 2 s/step x 1,200 steps = 40 minutes: one layer would take about 10.
    const estimate = estimateEpoch({ timer: timed(3, 2, 2, 2), stepsPerEpoch: 1200, layers: 'layers 1-4', engine: 'wasm', trainedLayers: 4, engines: TF_BACKENDS });
    expect(estimate.secondsPerEpoch).toBe(2400);
    expect(estimate.suggestion).not.toContain('\n');
    expect(estimate.suggestion).toMatch(/^over 10 minutes per epoch of layer training on wasm; to shorten it try --unfreeze-top 1, or a faster engine: /);
    expect(estimate.suggestion).toContain('tfjs-node-gpu (CUDA GPU; npm install @tensorflow/tfjs-node-gpu@4.22.0) or tfjs-node (all CPU cores; npm install @tensorflow/tfjs-node@4.22.0)');
  });

  it('on the fastest engine with one layer there is nothing faster to suggest', () => {
    const estimate = estimateEpoch({ timer: timed(3, 2, 2, 2), stepsPerEpoch: 1200, layers: 'layer 12', engine: 'tfjs-node-gpu', trainedLayers: 1, engines: TF_BACKENDS });
    expect(estimate.suggestion).toBe('over 10 minutes per epoch of layer training on tfjs-node-gpu; no faster setting is available here');
  });

  it('the plain reporter prints the estimate, and the suggestion on its own line', () => {
    const out = captureStream();
    const reporter = new PlainReporter(out.stream);
    const estimate = estimateEpoch({ timer: timed(3, 2, 2, 2), stepsPerEpoch: 1200, layers: 'layers 3-4', engine: 'wasm', trainedLayers: 2, engines: TF_BACKENDS });
    reporter.onEvent({ type: 'estimate', epoch: 2, ...estimate });
    const lines = out.lines();
    expect(lines[0]).toBe('estimate: layers 3-4 on wasm about 40m0s per epoch (2.0s/step x 1200 steps, median of 3 timed steps; evaluation not included)');
    expect(lines[1]).toMatch(/^suggestion: over 10 minutes per epoch .* --unfreeze-top 1, or a faster engine/);
  });
});
