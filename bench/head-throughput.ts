// Head-training throughput on random features, linear and MLP heads, through fit() as `finetune` runs it
// (head-only steps on ONNX Runtime, train/ort/head-engine.ts) and through the TF.js reference (the head's
// hand-written gradients, and autodiff), interleaved in one run: the machine is shared and noisy, so each
// method runs in alternating rounds (one epoch, capped at --round-seconds) and the median round is
// reported. Every step's event goes through the plain reporter, as in a finetune whose output is a pipe.
// usage: node bin/run-ts.js bench/head-throughput.ts [--rows 400000] [--dim 768] [--batch-size 32]
//        [--tf-backend wasm] [--rounds 3] [--round-seconds 10] [--hidden 256]
//        [--methods finetune,tfjs,autodiff] [--heads linear,mlp]
// A breakdown of one method: node --cpu-prof --cpu-prof-dir=DIR bin/run-ts.js bench/head-throughput.ts
//        --rows 50000 --rounds 1 --methods finetune --heads linear
import { loadavg } from 'node:os';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { defaultTrainConfig, fit, TrainerControl } from '../src/train/index.ts';
import { PlainReporter } from '../src/report/plain.ts';
import { Rng } from '../src/core/index.ts';
import type { HeadConfig } from '../src/heads/config.ts';
import type { FitOptions } from '../src/train/fit.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '400000' },
    dim: { type: 'string', default: '768' },
    'batch-size': { type: 'string', default: '32' },
    'tf-backend': { type: 'string', default: 'wasm' },
    rounds: { type: 'string', default: '3' },
    'round-seconds': { type: 'string', default: '10' },
    hidden: { type: 'string', default: '256' },
    methods: { type: 'string', default: 'finetune,tfjs,autodiff' },
    heads: { type: 'string', default: 'linear,mlp' },
  },
});
const rows = Number(values.rows);
const dim = Number(values.dim);
const batchSize = Number(values['batch-size']);
const rounds = Number(values.rounds);
const roundSeconds = Number(values['round-seconds']);
const classes = 3;

/** What each method passes to fit(): `finetune` is fit's default (what the finetune command runs). */
const METHODS = {
  finetune: {},
  tfjs: { headEngine: 'tfjs', headGradients: 'hand-written' },
  autodiff: { headEngine: 'tfjs', headGradients: 'autodiff' },
} satisfies Record<string, Partial<FitOptions>>;
type Method = keyof typeof METHODS;
const methods = values.methods!.split(',') as Method[];
for (const m of methods) if (!(m in METHODS)) throw new Error(`--methods: unknown method '${m}' (${Object.keys(METHODS).join(', ')})`);

const rng = new Rng(1);
const data = new Float32Array(rows * dim);
for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
const labels = new Int32Array(rows);
for (let i = 0; i < rows; i++) labels[i] = rng.int(classes);
console.log(`features: ${rows} x ${dim} float32, batch size ${batchSize}, TF.js ${values['tf-backend']} backend; ${rounds} alternating rounds of one epoch (at most ${roundSeconds}s) per method; load ${loadavg()[0].toFixed(1)}`);

const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

/** Examples per second of one round: fit() over the features for one epoch or `roundSeconds`, whichever ends first. */
async function round(head: HeadConfig, method: Method): Promise<{ perSecond: number; engine: string; wholeEpoch: boolean }> {
  const control = new TrainerControl();
  const reporter = new PlainReporter(discard);
  let started = 0;
  let steps = 0;
  let wholeEpoch = false;
  const result = await fit({
    train: { features: { rows, dim, data }, labels },
    validation: {},
    labelNames: ['a', 'b', 'c'],
    head,
    config: { ...defaultTrainConfig(), epochs: 1, batchSize, saveBest: false, saveLast: false },
    tfBackend: values['tf-backend'],
    ...METHODS[method],
    control,
    emit: (event) => {
      reporter.onEvent(event);
      if (event.type !== 'step') return;
      // The clock starts after the first step: backend and session set-up are not throughput.
      if (event.step === 1) started = performance.now();
      else steps++;
      wholeEpoch = event.step === event.steps;
      if ((performance.now() - started) / 1000 > roundSeconds) control.stop();
    },
  });
  const seconds = (performance.now() - started) / 1000;
  result.head.dispose();
  return { perSecond: (steps * batchSize) / seconds, engine: result.headEngine ?? '?', wholeEpoch };
}

const median = (xs: number[]) => {
  const sorted = xs.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const allHeads: Record<string, [string, HeadConfig]> = {
  linear: ['linear', { type: 'linear' }],
  mlp: [`mlp ${values.hidden} relu dropout 0.1`, { type: 'mlp', hidden: values.hidden!.split(',').map(Number), activation: 'relu', dropout: 0.1 }],
};
const summary: { head: string; rounds: number; methods: { method: Method; engine: string; examplesPerSecond: number; epochSeconds: number; wholeEpochs: number; rounds: number[] }[] }[] = [];
for (const [name, head] of values.heads!.split(',').map((h) => allHeads[h]!)) {
  const figures = new Map<Method, { perSecond: number[]; engine: string; wholeEpochs: number }>(methods.map((m) => [m, { perSecond: [], engine: '', wholeEpochs: 0 }]));
  for (let r = 0; r < rounds; r++) {
    // Rotate which goes first, so a load change favours none.
    for (const method of methods.map((_, i) => methods[(i + r) % methods.length]!)) {
      const result = await round(head, method);
      const f = figures.get(method)!;
      f.perSecond.push(result.perSecond);
      f.engine = result.engine;
      if (result.wholeEpoch) f.wholeEpochs++;
    }
  }
  const entry = { head: name, rounds, methods: [] as (typeof summary)[number]['methods'] };
  for (const [method, f] of figures) {
    const perSecond = median(f.perSecond);
    entry.methods.push({ method, engine: f.engine, examplesPerSecond: perSecond, epochSeconds: rows / perSecond, wholeEpochs: f.wholeEpochs, rounds: f.perSecond });
    console.log(`${name.padEnd(26)} ${method.padEnd(9)} ${f.engine.padEnd(10)} ${Math.round(perSecond).toString().padStart(8)} examples/s  ${(rows / perSecond).toFixed(2).padStart(7)} s/epoch  [rounds: ${f.perSecond.map((v) => Math.round(v)).join(', ')}; ${f.wholeEpochs} whole epochs]`);
  }
  summary.push(entry);
}
// For bench/run.ts: the median rounds, machine-readable.
console.log(`RESULT ${JSON.stringify({ rows, dim, batchSize, tfBackend: values['tf-backend'], roundSeconds, heads: summary })}`);
