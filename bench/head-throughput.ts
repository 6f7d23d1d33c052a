// Head-training throughput on random features: linear and MLP heads, one epoch each (or a time-capped
// number of steps when an epoch would take too long; the output says which).
// usage: node bin/run-ts.js bench/head-throughput.ts [--rows 400000] [--dim 768] [--batch-size 32]
//        [--tf-backend wasm] [--max-seconds 120] [--hidden 256]
import { parseArgs } from 'node:util';
import { defaultTrainConfig, fit, TrainerControl } from '../src/train/index.ts';
import { Rng } from '../src/core/index.ts';
import type { HeadConfig } from '../src/heads/config.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '400000' },
    dim: { type: 'string', default: '768' },
    'batch-size': { type: 'string', default: '32' },
    'tf-backend': { type: 'string', default: 'wasm' },
    'max-seconds': { type: 'string', default: '120' },
    hidden: { type: 'string', default: '256' },
  },
});
const rows = Number(values.rows);
const dim = Number(values.dim);
const batchSize = Number(values['batch-size']);
const maxSeconds = Number(values['max-seconds']);
const classes = 3;

const rng = new Rng(1);
const data = new Float32Array(rows * dim);
for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
const labels = new Int32Array(rows);
for (let i = 0; i < rows; i++) labels[i] = rng.int(classes);
console.log(`features: ${rows} x ${dim} float32 (${((rows * dim * 4) / 2 ** 30).toFixed(2)} GiB), batch size ${batchSize}, ${values['tf-backend']} backend`);

const heads: [string, HeadConfig][] = [
  ['linear', { type: 'linear' }],
  [`mlp ${values.hidden} relu dropout 0.1`, { type: 'mlp', hidden: values.hidden!.split(',').map(Number), activation: 'relu', dropout: 0.1 }],
];
const results: { head: string; examplesPerSecond: number; seconds: number; fullEpoch: boolean; steps: number }[] = [];
for (const [name, head] of heads) {
  const control = new TrainerControl();
  const started = performance.now();
  let examples = 0;
  let steps = 0;
  const result = await fit({
    train: { features: { rows, dim, data }, labels },
    validation: {},
    labelNames: ['a', 'b', 'c'],
    head,
    config: { ...defaultTrainConfig(), epochs: 1, batchSize, saveBest: false, saveLast: false },
    tfBackend: values['tf-backend'],
    control,
    emit: (event) => {
      if (event.type !== 'step') return;
      steps = event.step;
      examples += Math.min(batchSize, rows - (event.step - 1) * batchSize);
      if ((performance.now() - started) / 1000 > maxSeconds) control.stop();
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const scope = result.interrupted ? `${steps} steps (time cap ${maxSeconds}s; a full epoch is ${Math.ceil(rows / batchSize)} steps)` : `one full epoch (${steps} steps)`;
  console.log(`${name.padEnd(28)} ${Math.round(examples / seconds).toString().padStart(8)} examples/s  [${result.tfBackend}, ${scope}, ${seconds.toFixed(1)}s]`);
  results.push({ head: name, examplesPerSecond: examples / seconds, seconds, fullEpoch: !result.interrupted, steps });
  result.head.dispose();
}
console.log(`RESULT ${JSON.stringify({ rows, dim, batchSize, tfBackend: values['tf-backend'], heads: results })}`);
