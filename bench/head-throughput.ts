// Head-training throughput on random features, linear and MLP heads, with the head's hand-written
// gradients (what training uses) and with TF.js autodiff, interleaved in one run: the machine is shared
// and noisy, so each method runs in alternating time-capped rounds and the median round is reported.
// usage: node bin/run-ts.js bench/head-throughput.ts [--rows 400000] [--dim 768] [--batch-size 32]
//        [--tf-backend wasm] [--rounds 3] [--round-seconds 10] [--hidden 256]
import { loadavg } from 'node:os';
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
    rounds: { type: 'string', default: '3' },
    'round-seconds': { type: 'string', default: '10' },
    hidden: { type: 'string', default: '256' },
  },
});
const rows = Number(values.rows);
const dim = Number(values.dim);
const batchSize = Number(values['batch-size']);
const rounds = Number(values.rounds);
const roundSeconds = Number(values['round-seconds']);
const classes = 3;

const rng = new Rng(1);
const data = new Float32Array(rows * dim);
for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
const labels = new Int32Array(rows);
for (let i = 0; i < rows; i++) labels[i] = rng.int(classes);
console.log(`features: ${rows} x ${dim} float32, batch size ${batchSize}, ${values['tf-backend']} backend; ${rounds} alternating rounds of ${roundSeconds}s per method; load ${loadavg()[0].toFixed(1)}`);

type Method = 'hand-written' | 'autodiff';
/** Examples per second of one round: fit() on the features for at most `roundSeconds`. */
async function round(head: HeadConfig, method: Method): Promise<{ perSecond: number; backend: string; steps: number }> {
  const control = new TrainerControl();
  let started = 0;
  let steps = 0;
  const result = await fit({
    train: { features: { rows, dim, data }, labels },
    validation: {},
    labelNames: ['a', 'b', 'c'],
    head,
    config: { ...defaultTrainConfig(), epochs: 1, batchSize, saveBest: false, saveLast: false },
    tfBackend: values['tf-backend'],
    headGradients: method,
    control,
    emit: (event) => {
      if (event.type !== 'step') return;
      // The clock starts after the first step: backend set-up and the first upload are not throughput.
      if (event.step === 1) started = performance.now();
      else steps++;
      if ((performance.now() - started) / 1000 > roundSeconds) control.stop();
    },
  });
  result.head.dispose();
  return { perSecond: (steps * batchSize) / ((performance.now() - started) / 1000), backend: result.tfBackend, steps };
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const heads: [string, HeadConfig][] = [
  ['linear', { type: 'linear' }],
  [`mlp ${values.hidden} relu dropout 0.1`, { type: 'mlp', hidden: values.hidden!.split(',').map(Number), activation: 'relu', dropout: 0.1 }],
];
const summary: { head: string; examplesPerSecond: number; autodiffExamplesPerSecond: number; rounds: number }[] = [];
for (const [name, head] of heads) {
  const figures: Record<Method, number[]> = { 'hand-written': [], autodiff: [] };
  let backend = '';
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so a load change favours neither.
    const order: Method[] = r % 2 === 0 ? ['hand-written', 'autodiff'] : ['autodiff', 'hand-written'];
    for (const method of order) {
      const result = await round(head, method);
      figures[method].push(result.perSecond);
      backend = result.backend;
    }
  }
  const [hand, auto] = [median(figures['hand-written']), median(figures.autodiff)];
  const line = (method: Method, value: number) => `${name.padEnd(28)} ${method.padEnd(12)} ${Math.round(value).toString().padStart(8)} examples/s  [${backend}; rounds: ${figures[method].map((v) => Math.round(v)).join(', ')}]`;
  console.log(line('hand-written', hand));
  console.log(line('autodiff', auto));
  summary.push({ head: name, examplesPerSecond: hand, autodiffExamplesPerSecond: auto, rounds });
  console.log(`${name.padEnd(28)} autodiff costs ${(100 * (1 - auto / hand)).toFixed(0)}% of the hand-written throughput`);
}
// For bench/run.ts: the median rounds, machine-readable.
console.log(`RESULT ${JSON.stringify({ rows, dim, batchSize, tfBackend: values['tf-backend'], roundSeconds, heads: summary })}`);
