import { captureStream } from '../helpers/capture-stream.ts';
import { describe, expect, it } from 'vitest';
import { JsonlReporter } from '../../src/report/jsonl.ts';
import { chooseReporterKind } from '../../src/report/index.ts';
import { computeMetrics } from '../../src/train/metrics.ts';
import { inputError } from '../../src/errors.ts';
import type { RunEvent } from '../../src/train/events.ts';

const metrics = computeMetrics(Int32Array.from([0, 1, 1]), Int32Array.from([0, 1, 0]), ['a', 'b'], 0.5);

describe('JsonlReporter', () => {
  it('writes one parseable JSON object per event', async () => {
    const out = captureStream();
    const reporter = new JsonlReporter(out.stream);
    const events: RunEvent[] = [
      { type: 'step', epoch: 1, step: 1, steps: 2, loss: NaN, lr: 0, perSecond: 1 },
      { type: 'epoch-end', epoch: 1, epochs: 1, train: { loss: 0.4, accuracy: 0.9 }, eval: { matched: metrics }, seconds: 1 },
      { type: 'error', error: inputError('bad row', { file: 'x.tsv', line: 3 }) },
    ];
    for (const e of events) reporter.onEvent(e);
    await reporter.close();
    const parsed = out.lines().map((l) => JSON.parse(l));
    expect(parsed).toHaveLength(3);
    expect(parsed[0]).toMatchObject({ type: 'step', loss: null });
    expect(parsed[1].eval.matched.confusion).toEqual([[1, 0], [1, 1]]);
    expect(parsed[2]).toEqual({ type: 'error', kind: 'input', message: 'bad row', where: { file: 'x.tsv', line: 3 } });
  });

  it('is chosen by --json; plain lines when not a terminal', () => {
    expect(chooseReporterKind({ json: true, isTTY: true })).toBe('json');
    expect(chooseReporterKind({ isTTY: false })).toBe('plain');
    expect(chooseReporterKind({ isTTY: true, plain: true })).toBe('plain');
  });
});
