// Training the layers of the bundled tiny BERT (2 layers, hidden 32) on the bundled NLI set: CPU
// milliseconds per optimizer step (batch 32, mean pooling, MLP head, AdamW) with the batch cut into
// length groups (SplitEncoder.prepare's default) and padded as one group, interleaved step by step so
// that both see the same machine load; then seconds per epoch (94 steps) from the grouped figure.
// CPU time, not wall time: on a shared machine wall time measures the other processes.
// usage: node bin/run-ts.js bench/unfreeze-tiny.ts [--top all|2] [--steps 24] [--tf-backend wasm]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { loadTextBackbone } from '../src/backbones/load.ts';
import { SplitEncoder, type LowerInputs } from '../src/backbones/split/split-encoder.ts';
import { datasetInputs, loadTextDataset } from '../src/data/index.ts';
import { ensureTinyBert } from '../src/fixtures/bert.ts';
import { initTf } from '../src/heads/backend.ts';
import { Head } from '../src/heads/head.ts';
import { Rng } from '../src/core/index.ts';
import { Optimizer } from '../src/train/optimizers.ts';
import { autodiffGradients, trainStep } from '../src/train/step.ts';

const { values } = parseArgs({ options: { top: { type: 'string', default: 'all' }, steps: { type: 'string', default: '24' }, 'tf-backend': { type: 'string', default: 'wasm' } } });
const steps = Number(values.steps);
const { backend } = await initTf(values['tf-backend']);
const base = await loadTextBackbone(await ensureTinyBert(), { device: 'cpu' });
const data = await loadTextDataset('datasets/nli-tiny/train.tsv', {});
const encoded = base.encodeInputs(datasetInputs(data), 128);
const split = await SplitEncoder.create(base, values.top === 'all' ? 'all' : Number(values.top));
const inputs: LowerInputs = split.lower ? { kind: 'states', states: await split.computeStates(encoded, 'float16', 32), encoded } : { kind: 'tokens', encoded };
const head = Head.create({ type: 'mlp', hidden: [256, 128], activation: 'relu', dropout: 0.1, inputDim: split.dim, numClasses: 3 } as never, new Rng(1));
const variables = [...head.variables(), ...split.top.variables().map((v) => ({ ...v, name: `backbone/${v.name}`, lrScale: 1 }))];
const optimizer = new Optimizer({ kind: 'adamw', weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 }, variables);
const order = new Rng(2).permutation(encoded.length);
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const total = { grouped: 0, single: 0 };
let groups = 0;
const warmup = 2;
for (let s = 0; s < steps + warmup; s++) {
  for (const grouped of [true, false]) {
    const indices = order.subarray((s * 32) % 2976, ((s * 32) % 2976) + 32);
    const started = cpuMicros();
    const prepared = await split.prepare(inputs, indices, grouped);
    await trainStep(optimizer, Int32Array.from(indices, (i) => data.labels![i]!), autodiffGradients(variables, () => head.forward(split.pooled(prepared, 'mean'), new Rng(s))), { lr: 1e-4, maxGradNorm: 1, classWeights: null });
    if (s < warmup) continue;
    total[grouped ? 'grouped' : 'single'] += cpuMicros() - started;
    if (grouped) groups += prepared.groups.length;
  }
}
const perStep = (micros: number) => micros / steps / 1000;
console.log(`engine: TF.js ${backend} (${tf.getBackend()}); --unfreeze-top ${values.top} (${split.describeTrained()}); load ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
console.log(`one group per batch:   ${perStep(total.single).toFixed(1)} ms CPU/step -> ${((perStep(total.single) * 94) / 1000).toFixed(1)} s/epoch`);
console.log(`length groups (${(groups / steps).toFixed(1)}/batch): ${perStep(total.grouped).toFixed(1)} ms CPU/step -> ${((perStep(total.grouped) * 94) / 1000).toFixed(1)} s/epoch (${((1 - total.grouped / total.single) * 100).toFixed(0)}% less)`);
optimizer.dispose();
head.dispose();
await split.dispose();
await base.dispose();
