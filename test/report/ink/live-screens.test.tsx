import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { TrainerApp } from '../../../src/report/ink/App.tsx';
import { RunStore } from '../../../src/report/ink/run-store.ts';
import { TrainerControl } from '../../../src/train/events.ts';
import { epochEnd, matched, mismatched, results, runStart, stepEvents } from './synthetic.ts';
import { waitFor, waitForFrame } from './wait.ts';

afterEach(cleanup);

function mountLive() {
  const store = new RunStore();
  const control = new TrainerControl();
  const app = render(<TrainerApp store={store} control={control} refreshMs={10} theme={{}} />);
  return { ...app, store, control };
}

describe('extraction screen', () => {
  it('an image task counts images/s', async () => {
    const { store, lastFrame } = mountLive();
    store.push({ type: 'run-start', config: { model: 'resnet8', task: 'image-classification' }, device: 'cpu', tfBackend: 'cpu', labelNames: ['cat', 'dog'] });
    store.push({ type: 'extract-progress', split: 'train', done: 64, total: 2000, perSecond: 290, cached: false });
    const frame = await waitForFrame(lastFrame, 'Extracting features', '64/2,000');
    expect(frame).toMatch(/64\/2,000\s+290 images\/s/);
  });

  it('shows a bar per split with pairs/s, ETA and cache hits', async () => {
    const { store, lastFrame } = mountLive();
    store.push(runStart);
    let frame = await waitForFrame(lastFrame, 'bundled:tiny-bert · linear head · cls pooling');
    expect(frame).toContain('loading the model and data');

    store.push({ type: 'extract-progress', split: 'train', done: 500, total: 2000, perSecond: 250, cached: false });
    frame = await waitForFrame(lastFrame, 'Extracting features', '500/2,000');
    // 1500 pairs left at 250 pairs/s: 6 seconds.
    expect(frame).toMatch(/train\s+█{8}░{22}\s+25%\s+500\/2,000\s+250 pairs\/s\s+ETA 0:06/);

    store.push({ type: 'extract-end', split: 'train', total: 2000, seconds: 7.6, cached: false });
    store.push({ type: 'extract-progress', split: 'matched', done: 300, total: 300, perSecond: 0, cached: true });
    store.push({ type: 'extract-end', split: 'matched', total: 300, seconds: 0.1, cached: true });
    frame = await waitForFrame(lastFrame, '300 pairs in 0.1s (cache hit)');
    expect(frame).toMatch(/train\s+█{30}\s+100%\s+2,000 pairs in 7.6s/);
    expect(frame).toContain('cache hits: 1/2 splits');
    expect(frame).toContain('[p] pause');
  });
});

describe('training screen', () => {
  it('shows epoch and step bars, loss and accuracy charts, throughput, ETA, best so far and the finished-epoch table', async () => {
    let clock = 0;
    const store = new RunStore(() => clock);
    const control = new TrainerControl();
    const { lastFrame, frames } = render(<TrainerApp store={store} control={control} refreshMs={10} theme={{}} />);
    store.push(runStart);
    store.push({ type: 'extract-end', split: 'train', total: 320, seconds: 2, cached: false });
    store.push({ type: 'epoch-start', epoch: 1, epochs: 2, steps: 10 });
    for (const event of stepEvents(1, 10, 1, 5)) {
      clock += 250; // 4 steps a second
      store.push(event);
    }
    let frame = await waitForFrame(lastFrame, 'step 5/10');
    expect(frame).toContain('features: train 320 in 2.0s');
    expect(frame).toMatch(/epoch\s+█{8}░{22}\s+25%\s+epoch 1\/2/);
    // 5 steps left in this epoch + 10 in the next at 4 steps/s: 0:04 (15 / 4 = 3.75 s).
    expect(frame).toContain('ETA 0:04');
    // Two loss numbers, each labelled: the latest step's, and the chart of (averaged) losses.
    expect(frame).toMatch(/step\s+█{15}░{15}\s+50%\s+step 5\/10\s+step loss 1\.0950\s+640 ex\/s$/m);
    expect(frame).toMatch(/^avg loss\s+[▁-█]{5}\s+1\.0990 → 1\.0950/m);
    expect(frame).toMatch(/val acc\s+after the first epoch/);
    expect(frame).not.toContain('train loss'); // no finished epoch yet

    for (const event of stepEvents(1, 10, 6, 10)) store.push(event);
    store.push(epochEnd(1, 2));
    store.push({ type: 'epoch-start', epoch: 2, epochs: 2, steps: 10 });
    for (const event of stepEvents(2, 10, 1, 3)) store.push(event);
    frame = await waitForFrame(lastFrame, 'epoch 2/2', 'step 3/10');
    expect(frame).toMatch(/epoch\s+train loss\s+train acc\s+matched acc\s+matched F1\s+mismatched acc\s+mismatched F1\s+time/);
    expect(frame).toMatch(
      new RegExp(`1/2\\s+0\\.9000\\s+0\\.4500\\s+${matched.accuracy.toFixed(4)}\\s+${matched.macroF1.toFixed(4)}\\s+${mismatched.accuracy.toFixed(4)}\\s+${mismatched.macroF1.toFixed(4)}\\s+13.0s`),
    );
    expect(frame).toContain(`best         matched accuracy ${matched.accuracy.toFixed(4)} at epoch 1`);
    expect(frame).toMatch(/val acc\s+▅\s+0\.7333 → 0\.7333/);

    const worse = { ...matched, accuracy: 0.5 };
    store.push(epochEnd(2, 2, { matched: worse, mismatched }));
    frame = await waitForFrame(lastFrame, '2/2   ');
    // Best stays at epoch 1; the table gets a second row, the header is printed once.
    expect(frame).toContain(`matched accuracy ${matched.accuracy.toFixed(4)} at epoch 1`);
    expect(frame.match(/train loss/g)).toHaveLength(1);
    expect(frame).toMatch(/val acc\s+█▁\s+0\.7333 → 0\.5000/);
    expect(frames.length).toBeGreaterThan(2);
  });

  it('says which backbone layers train, on which engine, from when, and how long an epoch of that takes', async () => {
    const { store, lastFrame } = mountLive();
    const config = { model: 'bundled:tiny-bert', head: 'linear', pooling: 'cls', unfreezeTop: 2, unfreezeAtEpoch: 1, backboneLrRatio: 0.1, backboneLayers: 4 };
    store.push({ type: 'run-start', config, device: 'cpu', tfBackend: 'wasm', labelNames: ['a', 'b'] });
    store.push({ type: 'epoch-start', epoch: 1, epochs: 3, steps: 10, backboneTraining: null });
    let frame = await waitForFrame(lastFrame, 'epoch 1/3');
    expect(frame).toMatch(/^layers\s+head only; top 2 of 4 layers join at epoch 2 on wasm$/m);

    store.push({ type: 'epoch-start', epoch: 2, epochs: 3, steps: 10, backboneTraining: 'layers 3-4' });
    frame = await waitForFrame(lastFrame, 'epoch 2/3');
    expect(frame).toMatch(/^layers\s+layers 3-4 of 4 training on wasm {2}lr × 0\.1$/m);
    expect(frame).not.toContain('per epoch');

    const suggestion = 'over 10 minutes per epoch of layer training on wasm; to shorten it try --unfreeze-top 1';
    store.push({ type: 'estimate', epoch: 2, layers: 'layers 3-4', engine: 'wasm', secondsPerStep: 90, stepsPerEpoch: 10, secondsPerEpoch: 900, timedSteps: 3, suggestion });
    frame = await waitForFrame(lastFrame, 'about 15m0s per epoch');
    expect(frame).toMatch(/^layers\s+layers 3-4 of 4 training on wasm {2}lr × 0\.1 {3}about 15m0s per epoch$/m);
    expect(frame).toContain(suggestion);
  });

  it('a head-only run shows no layers line', async () => {
    const { store, lastFrame } = mountLive();
    store.push(runStart);
    store.push({ type: 'epoch-start', epoch: 1, epochs: 3, steps: 10 });
    const frame = await waitForFrame(lastFrame, 'epoch 1/3');
    expect(frame).not.toMatch(/^layers/m);
  });

  it('redraws from a timer: a burst of thousands of steps costs a few frames, not one per step', async () => {
    const store = new RunStore();
    const { lastFrame, frames } = render(<TrainerApp store={store} control={new TrainerControl()} refreshMs={50} theme={{}} />);
    store.push({ type: 'epoch-start', epoch: 1, epochs: 1, steps: 5000 });
    await waitForFrame(lastFrame, 'step 0/5000');
    const before = frames.length;
    for (const event of stepEvents(1, 5000)) store.push(event);
    await waitForFrame(lastFrame, 'step 5000/5000');
    expect(frames.length - before).toBeLessThanOrEqual(3);
  });
});

describe('summary screen', () => {
  it('shows metrics per evaluation set, confusion matrices and the checkpoint, then exits', async () => {
    const { store, lastFrame } = mountLive();
    store.push(runStart);
    store.push({ type: 'epoch-start', epoch: 1, epochs: 2, steps: 10 });
    for (const event of stepEvents(1, 10)) store.push(event);
    store.push(epochEnd(1, 2));
    store.push({ type: 'checkpoint', path: '/tmp/run/checkpoint', reason: 'best', epoch: 1, step: 10 });
    store.push({ type: 'run-end', results: results() });
    store.close();
    const frame = await waitForFrame(lastFrame, 'Training finished');
    expect(frame).toContain('train: loss 0.7000  accuracy 0.5500  2 epochs  20 steps  0:25  820 ex/s');
    expect(frame).toMatch(/eval set\s+n\s+accuracy\s+macro F1\s+loss/);
    expect(frame).toMatch(new RegExp(`matched\\s+150\\s+${matched.accuracy.toFixed(4)}\\s+${matched.macroF1.toFixed(4)}\\s+0\\.8123`));
    expect(frame).toMatch(new RegExp(`mismatched\\s+150\\s+${mismatched.accuracy.toFixed(4)}\\s+${mismatched.macroF1.toFixed(4)}\\s+0\\.9456`));
    expect(frame).toContain('Confusion matrix: matched (rows gold, columns predicted)');
    expect(frame).toMatch(/gold \\ pred\s+entailment\s+neutral\s+contradiction/);
    expect(frame).toMatch(/neutral\s+10\s+30\s+10/);
    expect(frame).toContain('Confusion matrix: mismatched');
    expect(frame).toContain('Checkpoint: /tmp/run/checkpoint');
    // The next commands come after the view (formatAfterView), where Ink cannot break them into lines.
    expect(frame).not.toContain('transferkit predict');
    expect(frame).toContain('metrics after the last epoch');
    // Keys are off once the run is over.
    expect(frame).not.toContain('[p] pause');
  });

  it("shows the finetune's final results (the kept checkpoint re-evaluated) once it gives them", async () => {
    const { store, lastFrame } = mountLive();
    store.push({ type: 'run-end', results: results() });
    await waitForFrame(lastFrame, 'metrics after the last epoch');
    const kept = { ...matched, accuracy: 0.9, macroF1: 0.85 };
    store.finish({ ...results({ eval: { matched: kept } }), checkpoint: '/tmp/run/checkpoint/best', resultsFile: '/tmp/run/results.json' });
    const frame = await waitForFrame(lastFrame, 'metrics of the kept checkpoint (best)');
    expect(frame).toMatch(/matched\s+150\s+0\.9000\s+0\.8500/);
    expect(frame).not.toContain('mismatched');
    expect(frame).toContain('Checkpoint: /tmp/run/checkpoint/best');
    expect(frame).toContain('Results:    /tmp/run/results.json');
  });

  it('says when the run was stopped by request or stopped early', async () => {
    const { store, lastFrame } = mountLive();
    store.push({ type: 'epoch-start', epoch: 1, epochs: 3, steps: 10 });
    for (const event of stepEvents(1, 10, 1, 4)) store.push(event);
    const interrupted = results({ interrupted: true, eval: {}, bestCheckpoint: undefined, lastCheckpoint: '/tmp/x/checkpoint' });
    interrupted.train = { ...interrupted.train, epochs: 0, steps: 4, loss: Number.NaN, accuracy: Number.NaN };
    store.push({ type: 'run-end', results: interrupted });
    const frame = await waitForFrame(lastFrame, 'Stopped by request at epoch 1, step 4');
    expect(frame).toContain('Checkpoint: /tmp/x/checkpoint');
    expect(frame).toContain('train: 4 steps');
    expect(frame).toContain('no metrics yet: the run stopped before its first epoch ended');

    const second = mountLive();
    second.store.push({ type: 'early-stop', epoch: 2, monitor: 'matched accuracy', best: 0.7 });
    second.store.push({ type: 'run-end', results: results({ stoppedEarly: true }) });
    await waitForFrame(second.lastFrame, 'Stopped early after epoch 2');
  });

  it('leaves when the reporter closes after a failure', async () => {
    const { store, lastFrame } = mountLive();
    const { TransferKitError } = await import('../../../src/errors.ts');
    store.push({ type: 'error', error: new TransferKitError('input', 'no such file') });
    store.close();
    await waitForFrame(lastFrame, '✗ the run failed');
    await waitFor(() => !(lastFrame() ?? '').includes('[p] pause'), () => 'keys hidden');
  });
});
