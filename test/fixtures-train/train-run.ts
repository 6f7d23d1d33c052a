// Training run for the resume test: prints the event stream as JSON lines on stdout.
// usage: node bin/run-ts.js test/fixtures-train/train-run.ts DIR [--resume] [--pause-at-step N]
// --pause-at-step pauses the trainer (TrainerControl) after global step N so the test can SIGKILL it
// at a known point mid-epoch, with work done after the last checkpoint that will be lost.
import { parseArgs } from 'node:util';
import { fit, defaultTrainConfig, TrainerControl } from '../../src/train/index.ts';
import { JsonlReporter } from '../../src/report/jsonl.ts';
import { blobs } from '../train/synthetic.ts';
import { checkpointFolder } from '../../src/checkpoint/folder-store.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { resume: { type: 'boolean' }, 'pause-at-step': { type: 'string' } },
});
const pauseAt = values['pause-at-step'] ? Number(values['pause-at-step']) : Infinity;
const reporter = new JsonlReporter(process.stdout);
const control = new TrainerControl();
let steps = 0;
const result = await fit({
  train: blobs(400, 8, 3, 51, 1.5),
  validation: { matched: blobs(150, 8, 3, 52, 1.5), mismatched: blobs(150, 8, 3, 53, 1.5) },
  labelNames: ['entailment', 'neutral', 'contradiction'],
  head: { type: 'mlp', hidden: [16], activation: 'gelu', dropout: 0.2 },
  config: { ...defaultTrainConfig(), epochs: 3, batchSize: 16, saveEverySteps: 10, learningRate: 0.005, classWeights: 'balanced' },
  checkpoints: checkpointFolder(positionals[0]),
  resume: values.resume,
  control,
  tfBackend: 'cpu',
  emit: (event) => {
    reporter.onEvent(event);
    if (event.type === 'step' && ++steps === pauseAt) control.pause();
  },
});
result.head.dispose();
await reporter.close();
