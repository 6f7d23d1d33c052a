// Length-grouped batches (HF's group_by_length, train/length-grouped.ts) against plain shuffled ones, on
// the ONNX Runtime training engine training the bundled tiny BERT's layers on the bundled NLI set (batch
// 32 as npm start, mean pooling, MLP head, AdamW): token slots per epoch (real vs padded to the sequence
// bucket, for bucket widths 8 / 16 / 32), the step sessions each order needs and what building them cost,
// then wall and CPU seconds per epoch with the steps of both orders interleaved one by one, so that both
// see the same machine load. Session builds are timed apart (a warm-up pass over both orders).
// usage: node bin/run-ts.js bench/length-grouped.ts [--top all|2] [--epochs 2] [--batch-size 32]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadTextBackbone } from '../src/backbones/load.ts';
import { SplitEncoder, type LowerInputs } from '../src/backbones/split/split-encoder.ts';
import { Rng } from '../src/core/index.ts';
import { datasetInputs, loadTextDataset } from '../src/data/index.ts';
import { ensureTinyBert } from '../src/fixtures/bert.ts';
import { initTf } from '../src/heads/backend.ts';
import type { HeadSpec } from '../src/heads/config.ts';
import { Head } from '../src/heads/head.ts';
import { chooseTrainingEngine } from '../src/train/engine-choice.ts';
import { lengthGroupedOrder } from '../src/train/length-grouped.ts';
import { Optimizer } from '../src/train/optimizers.ts';
import { SEQUENCE_BUCKET } from '../src/train/ort/step-sessions.ts';

const { values } = parseArgs({ options: { top: { type: 'string', default: 'all' }, epochs: { type: 'string', default: '2' }, 'batch-size': { type: 'string', default: '32' } } });
const epochs = Number(values.epochs);
const batchSize = Number(values['batch-size']);
const { backend } = await initTf('wasm');
const base = await loadTextBackbone(await ensureTinyBert(), { device: 'cpu' });
const data = await loadTextDataset('datasets/nli-tiny/train.tsv', {});
const encoded = base.encodeInputs(datasetInputs(data), 128);
const labels = data.labels!;
const lengths = encoded.map((e) => e.ids.length);
const split = await SplitEncoder.create(base, values.top === 'all' ? 'all' : Number(values.top));
const inputs: LowerInputs = split.lower ? { kind: 'states', states: await split.computeStates(encoded, 'float16', 32), encoded } : { kind: 'tokens', encoded };
const spec: HeadSpec = { type: 'mlp', hidden: [256], activation: 'relu', dropout: 0.1, inputDim: split.dim, numClasses: 3 };
const head = Head.create(spec, new Rng(1));
const params = [...head.variables(), ...split.top.variables().map((v) => ({ ...v, name: `backbone/${v.name}`, lrScale: 1 }))];
const optimizer = new Optimizer({ kind: 'adamw', weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 }, params);
const engine = await chooseTrainingEngine({ choice: 'ort', split, head, spec, pooling: 'mean', params, optimizer, tfBackend: backend, batchSize, emit: () => {} });

const rng = new Rng(42);
const orders = {
  shuffled: (epoch: number) => rng.derive('shuffle', epoch).permutation(encoded.length),
  grouped: (epoch: number) => lengthGroupedOrder(lengths, batchSize, rng.derive('shuffle', epoch)),
};
type OrderName = keyof typeof orders;
const names = Object.keys(orders) as OrderName[];
const batchesOf = (order: Int32Array) => Array.from({ length: Math.ceil(order.length / batchSize) }, (_, b) => order.subarray(b * batchSize, (b + 1) * batchSize));
const bucketed = (seq: number, width: number) => Math.ceil(seq / width) * width;

console.log(`--unfreeze-top ${values.top} (${split.describeTrained()}) on ${engine.name}, batch ${batchSize}, ${encoded.length} rows; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const realTokens = lengths.reduce((a, b) => a + b, 0);
for (const name of names) {
  const cells = [8, 16, 32].map((width) => {
    let slots = 0;
    const shapes = new Set<string>();
    for (const batch of batchesOf(orders[name](0))) {
      const seq = bucketed(Math.max(...Array.from(batch, (i) => lengths[i]!)), width);
      slots += batch.length * seq;
      shapes.add(`${batch.length}x${seq}`);
    }
    return `bucket ${width}: ${slots} slots (${((1 - realTokens / slots) * 100).toFixed(1)}% padding), ${shapes.size} shapes`;
  });
  console.log(`${name.padEnd(8)} epoch 1 tokens ${realTokens}; ${cells.join('; ')}`);
}

const stepOptions = { lr: 1e-4, maxGradNorm: 1, classWeights: null, classWeightsTensor: null };
const step = async (batch: Int32Array, seed: number) => {
  const prepared = await split.prepare(inputs, batch, engine.lengthGroups);
  await engine.step(prepared, Int32Array.from(batch, (i) => labels[i]!), new Rng(seed), stepOptions);
};
// Warm-up: every shape both orders meet in the timed epochs, builds timed apart.
const builds: Record<OrderName, { count: number; seconds: number }> = { shuffled: { count: 0, seconds: 0 }, grouped: { count: 0, seconds: 0 } };
for (let epoch = 0; epoch < epochs; epoch++) {
  for (const name of names) {
    for (const batch of batchesOf(orders[name](epoch))) {
      const before = engine.graphsBuilt!();
      const started = performance.now();
      await step(batch, 0);
      if (engine.graphsBuilt!() > before) {
        builds[name].count += engine.graphsBuilt!() - before;
        builds[name].seconds += (performance.now() - started) / 1000;
      }
    }
  }
}
for (const name of names) console.log(`${name.padEnd(8)} ${builds[name].count} new step sessions over ${epochs} epochs, ${builds[name].seconds.toFixed(2)} s for the steps that built them (bucket ${SEQUENCE_BUCKET})`);

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const wall: Record<OrderName, number> = { shuffled: 0, grouped: 0 };
const cpuSeconds: Record<OrderName, number> = { shuffled: 0, grouped: 0 };
for (let epoch = 0; epoch < epochs; epoch++) {
  const plans = Object.fromEntries(names.map((name) => [name, batchesOf(orders[name](epoch))])) as Record<OrderName, Int32Array[]>;
  for (let b = 0; b < plans.grouped.length; b++) {
    for (const name of names) {
      const [w, c] = [performance.now(), cpu()];
      await step(plans[name][b]!, b);
      wall[name] += (performance.now() - w) / 1000;
      cpuSeconds[name] += cpu() - c;
    }
  }
}
for (const name of names) console.log(`${name.padEnd(8)} ${(wall[name] / epochs).toFixed(2)} s wall, ${(cpuSeconds[name] / epochs).toFixed(2)} s CPU per epoch (steps only, warm sessions)`);
console.log(`grouped / shuffled: ${(wall.grouped / wall.shuffled).toFixed(2)} wall, ${(cpuSeconds.grouped / cpuSeconds.shuffled).toFixed(2)} CPU; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await engine.dispose();
optimizer.dispose();
head.dispose();
await split.dispose();
await base.dispose();
