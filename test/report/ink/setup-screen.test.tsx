import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrainerApp } from '../../../src/report/ink/App.tsx';
import { RunStore } from '../../../src/report/ink/run-store.ts';
import type { SetupChecks } from '../../../src/report/ink/setup-fields.ts';
import { defaultFinetuneConfig, interactiveFinetuneConfig, type FinetuneConfig } from '../../../src/run/config.ts';
import { TrainerControl } from '../../../src/train/events.ts';
import { KEYS, settle, waitFor, waitForFrame } from './wait.ts';

afterEach(cleanup);

/** The interactive defaults with a fixed output dir (the default one is timestamped). */
const interactiveDefaults = (): FinetuneConfig => ({ ...interactiveFinetuneConfig(), outputDir: 'runs/latest' });

function mount(initial: FinetuneConfig = interactiveDefaults(), checks?: SetupChecks) {
  const onStart = vi.fn<(config: FinetuneConfig) => void>();
  const onCancel = vi.fn();
  const app = render(
    <TrainerApp store={new RunStore()} control={new TrainerControl()} setup={{ initial, onStart, onCancel, checks }} refreshMs={10} theme={{}} />,
  );
  return { ...app, onStart, onCancel };
}

/** Clears the focused field and types `text` into it. */
async function retype(stdin: { write(data: string): void }, text: string) {
  stdin.write(KEYS.ctrlU);
  await settle();
  stdin.write(text);
}

/** Moves the focus down `n` fields. */
async function down(stdin: { write(data: string): void }, n: number) {
  for (let i = 0; i < n; i += 1) {
    stdin.write(KEYS.down);
    await settle(5);
  }
}

describe('setup screen', () => {
  it('shows every field pre-filled from the defaults, the bundled model preselected', async () => {
    const { lastFrame } = mount();
    const frame = await waitForFrame(lastFrame, 'new training run');
    const defaults = defaultFinetuneConfig();
    expect(frame).toMatch(/› Task\s+‹ text-classification ›/);
    expect(frame).toMatch(/ Model\s+bundled:tiny-bert/);
    expect(frame).toMatch(/Train data\s+bundled:nli-tiny\/train/);
    expect(frame).toMatch(/Validation\s+validation=bundled:nli-tiny\/validation/);
    expect(frame).toMatch(/Head\s+‹ linear ›/);
    expect(frame).toMatch(/Pooling\s+‹ cls ›/);
    expect(frame).toMatch(new RegExp(`Learning rate\\s+${defaults.lr}`));
    expect(frame).toMatch(new RegExp(`Epochs\\s+${defaults.epochs}`));
    expect(frame).toMatch(new RegExp(`Batch size\\s+${defaults.batchSize}`));
    expect(frame).toMatch(new RegExp(`Max length\\s+${defaults.maxLength}`));
    expect(frame).toMatch(new RegExp(`Seed\\s+${defaults.seed}`));
    expect(frame).toMatch(/Output dir\s+runs\/latest/);
    expect(frame).toContain('Press Enter to start training');
  });

  it('pre-fills from a config built from flags', async () => {
    const initial = { ...defaultFinetuneConfig(), model: 'models/bert', epochs: 7, validation: { matched: 'a.tsv', mismatched: 'b.tsv' } };
    const { lastFrame } = mount(initial);
    const frame = await waitForFrame(lastFrame, 'models/bert');
    expect(frame).toMatch(/Epochs\s+7/);
    expect(frame).toContain('matched=a.tsv, mismatched=b.tsv');
  });

  it('validates as you type, shows the error next to the field, and blocks Enter until fixed', async () => {
    const { lastFrame, stdin, onStart } = mount();
    await waitForFrame(lastFrame, 'new training run');
    await down(stdin, 6); // Learning rate
    stdin.write(KEYS.ctrlU);
    await settle();
    stdin.write('abc');
    let frame = await waitForFrame(lastFrame, "got 'abc'");
    expect(frame).toMatch(/Learning rate\s+abc\s+✗ must be a number in \(0, 10\], got 'abc'/);
    expect(frame).toContain('1 field to fix');

    await down(stdin, 1); // Epochs
    stdin.write(KEYS.backspace);
    await settle();
    stdin.write('0');
    frame = await waitForFrame(lastFrame, '2 fields to fix', "got '0'");
    expect(frame).toMatch(/Epochs\s+0\s+✗ must be a whole number >= 1/);

    stdin.write(KEYS.enter);
    await settle();
    expect(onStart).not.toHaveBeenCalled();
    // Enter moves the focus to the first bad field.
    frame = await waitForFrame(lastFrame, '› Learning rate');

    stdin.write(KEYS.ctrlU);
    await settle();
    stdin.write('0.005');
    await down(stdin, 1);
    stdin.write(KEYS.backspace);
    await settle();
    stdin.write('4');
    frame = await waitForFrame(lastFrame, 'Press Enter to start training');
    expect(frame).not.toContain('✗');

    stdin.write(KEYS.enter);
    await waitFor(() => onStart.mock.calls.length === 1, () => 'onStart');
    const config = onStart.mock.calls[0][0];
    expect(config.lr).toBe(0.005);
    expect(config.epochs).toBe(4);
    expect(config.model).toBe('bundled:tiny-bert');
    // Fields the screen does not show keep the flags' values.
    expect(config.optimizer).toBe(defaultFinetuneConfig().optimizer);
  });

  it('checks validation specs and the optional sample limit', async () => {
    const { lastFrame, stdin, onStart } = mount();
    await waitForFrame(lastFrame, 'new training run');
    await down(stdin, 3); // Validation
    stdin.write(KEYS.ctrlU);
    await settle();
    stdin.write('m=a.tsv, m=b.tsv');
    await waitForFrame(lastFrame, "✗ the name 'm' is given twice");
    stdin.write(KEYS.ctrlU);
    await settle();
    stdin.write('matched=a.tsv, mismatched=b.tsv');
    await down(stdin, 11); // Max train samples
    stdin.write('x');
    await waitForFrame(lastFrame, '✗ must be a whole number >= 1');
    stdin.write(KEYS.backspace);
    await settle();
    stdin.write('100');
    await waitForFrame(lastFrame, 'Press Enter to start training');
    stdin.write(KEYS.enter);
    await waitFor(() => onStart.mock.calls.length === 1, () => 'onStart');
    expect(onStart.mock.calls[0][0].validation).toEqual({ matched: 'a.tsv', mismatched: 'b.tsv' });
    expect(onStart.mock.calls[0][0].maxTrainSamples).toBe(100);
  });

  it('has a Max eval samples field (--max-eval-samples): pre-filled, checked, passed on', async () => {
    const { lastFrame, stdin, onStart } = mount({ ...interactiveFinetuneConfig(), maxEvalSamples: 50 });
    let frame = await waitForFrame(lastFrame, 'new training run');
    expect(frame).toMatch(/Max eval samples\s+50/);
    await down(stdin, 15); // Max eval samples
    frame = await waitForFrame(lastFrame, '› Max eval samples');
    expect(frame).toContain('per validation set; empty = all');
    stdin.write('x');
    await waitForFrame(lastFrame, '✗ must be a whole number >= 1');
    stdin.write(KEYS.ctrlU);
    await settle();
    stdin.write('20');
    await waitForFrame(lastFrame, 'Press Enter to start training');
    stdin.write(KEYS.enter);
    await waitFor(() => onStart.mock.calls.length === 1, () => 'onStart');
    expect(onStart.mock.calls[0][0].maxEvalSamples).toBe(20);
  });

  it('has the backbone-layer fields (--unfreeze-top, --unfreeze-at-epoch, --backbone-lr-ratio): pre-filled, checked, passed on', async () => {
    const { lastFrame, stdin, onStart } = mount({ ...interactiveDefaults(), unfreezeTop: 2 });
    let frame = await waitForFrame(lastFrame, 'new training run');
    expect(frame).toMatch(/Unfreeze top\s+2/);
    expect(frame).toMatch(/Unfreeze at epoch\s+0/);
    expect(frame).toMatch(/Backbone lr ratio\s+0\.1/);
    await down(stdin, 11); // Unfreeze top
    frame = await waitForFrame(lastFrame, '› Unfreeze top');
    expect(frame).toContain('0 = head only, K = the top K, all');
    await retype(stdin, 'some');
    await waitForFrame(lastFrame, "✗ must be 'all' or a number of top layers >= 0");
    await retype(stdin, 'all');
    await down(stdin, 1); // Unfreeze at epoch
    await retype(stdin, '-1');
    await waitForFrame(lastFrame, '✗ must be a whole number >= 0');
    await retype(stdin, '1');
    await down(stdin, 1); // Backbone lr ratio
    await retype(stdin, '0');
    await waitForFrame(lastFrame, '✗ must be a number > 0');
    await retype(stdin, '0.25');
    await waitForFrame(lastFrame, 'Press Enter to start training');
    stdin.write(KEYS.enter);
    await waitFor(() => onStart.mock.calls.length === 1, () => 'onStart');
    expect(onStart.mock.calls[0][0]).toMatchObject({ unfreezeTop: 'all', unfreezeAtEpoch: 1, backboneLrRatio: 0.25 });
  });

  it("the model field's hint names what it takes in words", async () => {
    const { lastFrame, stdin } = mount();
    await waitForFrame(lastFrame, 'new training run');
    await down(stdin, 1);
    const frame = await waitForFrame(lastFrame, '› Model');
    expect(frame).toContain('hub id, folder, checkpoint; bundled:tiny-bert = offline demo');
    expect(frame).not.toContain('bundled:tiny-bert: bundled');
  });

  it('cycles choice fields with the arrow keys and ignores typing there', async () => {
    const { lastFrame, stdin, onStart } = mount();
    await waitForFrame(lastFrame, 'new training run');
    await down(stdin, 4); // Head
    stdin.write(KEYS.right);
    await waitForFrame(lastFrame, '‹ mlp ›');
    stdin.write('zzz');
    await down(stdin, 1); // Pooling
    stdin.write(KEYS.left);
    await waitForFrame(lastFrame, '‹ mean ›');
    expect(lastFrame()).not.toContain('zzz');
    stdin.write(KEYS.enter);
    await waitFor(() => onStart.mock.calls.length === 1, () => 'onStart');
    expect(onStart.mock.calls[0][0]).toMatchObject({ head: 'mlp', pooling: 'mean' });
  });

  it('applies backspaces, text and Enter that arrive as one chunk (fast typing, tmux send-keys)', async () => {
    const { lastFrame, stdin, onStart } = mount();
    await waitForFrame(lastFrame, 'new training run');
    await down(stdin, 16); // Output dir: runs/latest
    stdin.write('\u007f\u007f\u007f\u007f\u007f\u007fmine');
    await waitForFrame(lastFrame, 'runs/mine');
    await down(stdin, 4); // past Existing run and Task, round to Train data
    stdin.write('x\r');
    await waitFor(() => onStart.mock.calls.length === 1, () => 'onStart');
    expect(onStart.mock.calls[0][0]).toMatchObject({ outputDir: 'runs/mine', train: 'bundled:nli-tiny/trainx' });
  });

  it('an output dir that holds a run needs resume or overwrite; resume needs a run', async () => {
    const hasRun = (dir: string) => dir === 'runs/latest';
    const { lastFrame, stdin, onStart } = mount(interactiveDefaults(), { hasRun });
    let frame = await waitForFrame(lastFrame, 'new training run');
    expect(frame).toMatch(/Output dir\s+runs\/latest\s+✗ holds a run: pick resume or overwrite below, or another dir/);
    expect(frame).toMatch(/Existing run\s+‹ new ›/);
    stdin.write(KEYS.enter);
    await settle();
    expect(onStart).not.toHaveBeenCalled();
    await waitForFrame(lastFrame, '› Output dir');
    await down(stdin, 1); // Existing run
    stdin.write(KEYS.right);
    frame = await waitForFrame(lastFrame, '‹ resume ›', 'Press Enter to start training');

    await stdin.write(KEYS.up);
    await settle();
    stdin.write('2');
    frame = await waitForFrame(lastFrame, 'runs/latest2', '✗ nothing to resume in the output dir');
    stdin.write(KEYS.backspace);
    await down(stdin, 1);
    stdin.write(KEYS.right);
    await waitForFrame(lastFrame, '‹ overwrite ›', 'Press Enter to start training');
    stdin.write(KEYS.enter);
    await waitFor(() => onStart.mock.calls.length === 1, () => 'onStart');
    expect(onStart.mock.calls[0][0]).toMatchObject({ outputDir: 'runs/latest', resume: false, overwrite: true });
  });

  it('Esc cancels without starting; the caller learns it was Esc, not Ctrl-C', async () => {
    const { lastFrame, stdin, onStart, onCancel } = mount();
    await waitForFrame(lastFrame, 'new training run');
    stdin.write(KEYS.escape);
    await waitFor(() => onCancel.mock.calls.length === 1, () => 'onCancel');
    expect(onCancel).toHaveBeenCalledWith('escape');
    expect(onStart).not.toHaveBeenCalled();
    const second = mount();
    await waitForFrame(second.lastFrame, 'new training run');
    second.stdin.write(KEYS.ctrlC);
    await waitFor(() => second.onCancel.mock.calls.length === 1, () => 'onCancel');
    expect(second.onCancel).toHaveBeenCalledWith('interrupt');
  });

  it('offers the task; switching to images moves the fields still at the text defaults to the image ones and the run config follows', async () => {
    const { lastFrame, stdin, onStart } = mount();
    await waitForFrame(lastFrame, 'new training run');
    await down(stdin, 6); // Learning rate: typed by hand, so it stays
    stdin.write(KEYS.ctrlU);
    await settle();
    stdin.write('0.02');
    await waitForFrame(lastFrame, '0.02');
    await down(stdin, 12); // round to Task
    stdin.write(KEYS.right);
    let frame = await waitForFrame(lastFrame, '‹ image-classification ›');
    // No bundled image model or data: those fields empty out and ask for a value.
    expect(frame).toMatch(/Model\s+✗ must not be empty/);
    expect(frame).toMatch(/Train data\s+✗ must not be empty/);
    expect(frame).toMatch(/Pooling\s+‹ auto ›/);
    expect(frame).toMatch(/Epochs\s+auto/);
    expect(frame).toMatch(/Learning rate\s+0\.02/);
    await down(stdin, 1);
    stdin.write('models/vit');
    await down(stdin, 1);
    stdin.write('images/train');
    await down(stdin, 1);
    stdin.write('test=images/test');
    await down(stdin, 2); // Pooling: images add pooler
    stdin.write(KEYS.right);
    frame = await waitForFrame(lastFrame, '‹ pooler ›', 'Press Enter to start training');
    stdin.write(KEYS.enter);
    await waitFor(() => onStart.mock.calls.length === 1, () => 'onStart');
    expect(onStart.mock.calls[0][0]).toMatchObject({
      task: 'image-classification',
      model: 'models/vit',
      train: 'images/train',
      validation: { test: 'images/test' },
      pooling: 'pooler',
      epochs: 'auto',
      lr: 0.02,
      standardize: true, // not on the screen: follows the task
    });
  });

  it('switching back to text restores the text defaults; a config from --task image-classification starts on images', async () => {
    const { lastFrame, stdin, onStart } = mount(interactiveFinetuneConfig('image-classification'));
    let frame = await waitForFrame(lastFrame, '‹ image-classification ›');
    expect(frame).toMatch(/Pooling\s+‹ auto ›/);
    stdin.write(KEYS.left);
    frame = await waitForFrame(lastFrame, '‹ text-classification ›', 'Press Enter to start training');
    expect(frame).toMatch(/Model\s+bundled:tiny-bert/);
    expect(frame).toMatch(/Pooling\s+‹ cls ›/);
    stdin.write(KEYS.enter);
    await waitFor(() => onStart.mock.calls.length === 1, () => 'onStart');
    expect(onStart.mock.calls[0][0]).toMatchObject({ ...interactiveFinetuneConfig(), task: 'text-classification', standardize: false });
  });
});
