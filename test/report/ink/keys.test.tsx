import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrainerApp } from '../../../src/report/ink/App.tsx';
import { RunStore } from '../../../src/report/ink/run-store.ts';
import { TrainerControl } from '../../../src/train/events.ts';
import { matched, runStart, stepEvents } from './synthetic.ts';
import { KEYS, settle, waitFor, waitForFrame } from './wait.ts';

afterEach(cleanup);

async function training() {
  const store = new RunStore();
  const control = new TrainerControl();
  const onInterrupt = vi.fn();
  const onForceQuit = vi.fn();
  const app = render(<TrainerApp store={store} control={control} onInterrupt={onInterrupt} onForceQuit={onForceQuit} refreshMs={10} theme={{}} />);
  store.push(runStart);
  store.push({ type: 'epoch-start', epoch: 1, epochs: 3, steps: 10 });
  for (const event of stepEvents(1, 10, 1, 4)) store.push(event);
  await waitForFrame(app.lastFrame, 'step 4/10', '[p] pause');
  const press = async (key: string) => {
    app.stdin.write(key);
    await settle();
  };
  return { ...app, store, control, onInterrupt, onForceQuit, press };
}

describe('trainer keys', () => {
  it('p pauses and resumes through TrainerControl; the screen follows the trainer', async () => {
    const { control, store, lastFrame, press } = await training();
    const pause = vi.spyOn(control, 'pause');
    const resume = vi.spyOn(control, 'resume');
    await press('p');
    expect(pause).toHaveBeenCalledTimes(1);
    expect(control.paused).toBe(true);
    await waitForFrame(lastFrame, 'pausing at the next step', '[p] resume');
    store.push({ type: 'paused', paused: true });
    await waitForFrame(lastFrame, 'PAUSED — press p to resume');
    await press('p');
    expect(resume).toHaveBeenCalledTimes(1);
    expect(control.paused).toBe(false);
    store.push({ type: 'paused', paused: false });
    const frame = await waitForFrame(lastFrame, '[p] pause');
    expect(frame).not.toContain('PAUSED');
  });

  it('s asks for a checkpoint and shows where it went', async () => {
    const { control, store, lastFrame, press } = await training();
    const requestSave = vi.spyOn(control, 'requestSave');
    await press('s');
    expect(requestSave).toHaveBeenCalledTimes(1);
    expect(control.saveRequested).toBe(true);
    await waitForFrame(lastFrame, 'saving a checkpoint at the next step');
    control.saveRequested = false; // the trainer clears the flag when it saves
    // As fit() emits it: 0 epochs finished, step 5 of epoch 1 (shown as epoch 1, like everything else on screen).
    store.push({ type: 'checkpoint', path: '/tmp/out/checkpoint', reason: 'manual', epoch: 0, step: 5 });
    let frame = await waitForFrame(lastFrame, '✓ checkpoint (manual, epoch 1 step 5) → /tmp/out/checkpoint');
    expect(frame).not.toContain('saving a checkpoint at the next step');
    // The end-of-epoch save that follows does not hide the one asked for.
    store.push({ type: 'checkpoint', path: '/tmp/out/checkpoint/last', reason: 'last', epoch: 1, step: 10 });
    frame = await waitForFrame(lastFrame, '✓ checkpoint (last, epoch 1 step 10) → /tmp/out/checkpoint/last');
    expect(frame).toContain('✓ checkpoint (manual, epoch 1 step 5) → /tmp/out/checkpoint');
  });

  it('e asks for an evaluation and shows its result', async () => {
    const { control, store, lastFrame, press } = await training();
    const requestEval = vi.spyOn(control, 'requestEval');
    await press('e');
    expect(requestEval).toHaveBeenCalledTimes(1);
    await waitForFrame(lastFrame, 'evaluating at the next step');
    control.evalRequested = false;
    store.push({ type: 'evaluation', epoch: 1, step: 5, eval: { matched }, reason: 'manual' });
    await waitForFrame(lastFrame, `✓ evaluated at epoch 1 step 5: matched acc ${matched.accuracy.toFixed(4)} F1 ${matched.macroF1.toFixed(4)} loss 0.8123`);
  });

  it('q asks to confirm; n keeps training', async () => {
    const { control, lastFrame, press } = await training();
    const stop = vi.spyOn(control, 'stop');
    await press('q');
    await waitForFrame(lastFrame, 'Stop training? A checkpoint is saved first. [y] stop  [n] keep training');
    // Other keys do nothing while the question is open.
    const togglePause = vi.spyOn(control, 'togglePause');
    await press('p');
    expect(togglePause).not.toHaveBeenCalled();
    await press('n');
    const frame = await waitForFrame(lastFrame, '[p] pause');
    expect(frame).not.toContain('Stop training?');
    expect(stop).not.toHaveBeenCalled();
    expect(control.stopRequested).toBe(false);
  });

  it('q pauses training while it asks; n resumes it, y stops it', async () => {
    const { control, lastFrame, press } = await training();
    await press('q');
    expect(control.paused).toBe(true);
    let frame = await waitForFrame(lastFrame, 'Stop training?');
    expect(frame).toContain('paused while you answer');
    await press('n');
    expect(control.paused).toBe(false);
    frame = await waitForFrame(lastFrame, '[p] pause');
    expect(frame).not.toContain('paused while you answer');

    // Paused by the user before q: answering n leaves it paused.
    await press('p');
    await press('q');
    await press('n');
    expect(control.paused).toBe(true);

    // y from the question: the stop wins over the pause (the trainer saves and leaves).
    await press('p');
    await press('q');
    expect(control.paused).toBe(true);
    await press('y');
    expect(control.stopRequested).toBe(true);
  });

  it('q then y stops through TrainerControl and shows that a checkpoint is being saved', async () => {
    const { control, lastFrame, press, onInterrupt } = await training();
    const stop = vi.spyOn(control, 'stop');
    await press('q');
    await press('y');
    expect(stop).toHaveBeenCalledTimes(1);
    expect(control.stopRequested).toBe(true);
    const frame = await waitForFrame(lastFrame, 'stopping: saving a checkpoint at the next step');
    expect(frame).not.toContain('[p] pause');
    expect(onInterrupt).not.toHaveBeenCalled();
    // Once stopping, keys no longer send requests.
    await press('s');
    expect(control.saveRequested).toBe(false);
  });

  it('q and y arriving before a re-render still stop (no key lost between renders)', async () => {
    const { control, stdin } = await training();
    stdin.write('q');
    stdin.write('y');
    await waitFor(() => control.stopRequested, () => 'stop requested');
  });

  it('Ctrl-C stops like a confirmed q; a second Ctrl-C while saving forces the exit', async () => {
    const { control, lastFrame, press, onInterrupt, onForceQuit } = await training();
    const stop = vi.spyOn(control, 'stop');
    await press(KEYS.ctrlC);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(onInterrupt).toHaveBeenCalledTimes(1);
    expect(onForceQuit).not.toHaveBeenCalled();
    await waitForFrame(lastFrame, 'stopping: saving a checkpoint');
    await press(KEYS.ctrlC);
    expect(onForceQuit).toHaveBeenCalledTimes(1);
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it('Ctrl-C during the stop question stops without waiting for y', async () => {
    const { control, press } = await training();
    await press('q');
    await press(KEYS.ctrlC);
    expect(control.stopRequested).toBe(true);
  });

  it('keys work during extraction too (the trainer acts at its first step)', async () => {
    const store = new RunStore();
    const control = new TrainerControl();
    const { lastFrame, stdin } = render(<TrainerApp store={store} control={control} refreshMs={10} theme={{}} />);
    store.push({ type: 'extract-progress', split: 'train', done: 1, total: 10, perSecond: 5, cached: false });
    await waitForFrame(lastFrame, 'Extracting features', '[q] stop');
    stdin.write('p');
    await waitFor(() => control.paused, () => 'pause requested');
    await waitForFrame(lastFrame, 'pausing at the next step');
  });

  it('without a TrainerControl the view only watches', async () => {
    const store = new RunStore();
    const { lastFrame } = render(<TrainerApp store={store} refreshMs={10} theme={{}} />);
    store.push({ type: 'epoch-start', epoch: 1, epochs: 1, steps: 2 });
    const frame = await waitForFrame(lastFrame, 'step 0/2');
    expect(frame).not.toContain('[p] pause');
  });
});
