// Training backbone layers (--unfreeze-top): seconds per epoch estimated from timed steps, for K = 1, 2,
// 4 and all on a generated 4-layer, hidden-256, 4-head BERT with the real bert-base-cased tokenizer over
// 2,000 MNLI dev_matched pairs (batch 32, max length 128); the lower-part cache size; and seconds per
// step for K = 1 on a bert-base-size model (batch 8). Every figure names the TF.js engine that ran it.
// A full epoch is too long on wasm under load, so per-epoch figures are extrapolated from timed steps
// (the output says so); the lower-part states are computed in full, so the cache size is exact.
// usage: node bin/run-ts.js bench/unfreeze.ts [--steps 3] [--tf-backend wasm] [--skip-base]
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTextBackbone } from '../src/backbones/load.ts';
import { RaggedStates } from '../src/backbones/split/ragged-states.ts';
import { SplitEncoder, type LowerInputs, type UnfreezeTop } from '../src/backbones/split/split-encoder.ts';
import { datasetInputs, loadTextDataset } from '../src/data/index.ts';
import { makeBertModel } from '../src/fixtures/bert.ts';
import { ensureBenchModel } from './bert-base-model.ts';
import { initTf } from '../src/heads/backend.ts';
import { Head } from '../src/heads/head.ts';
import { Rng } from '../src/core/index.ts';
import { Optimizer } from '../src/train/optimizers.ts';
import { autodiffGradients, trainStep } from '../src/train/step.ts';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '3' }, 'tf-backend': { type: 'string', default: 'wasm' }, 'skip-base': { type: 'boolean' } } });
const steps = Number(values.steps);
const shared = join(import.meta.dirname, '..', '..', 'shared');
const tokenizer = join(shared, 'tokenizers', 'bert-base-cased');
const mnli = join(shared, 'data', 'mnli', 'dev_matched.tsv');
if (!existsSync(mnli)) throw new Error(`needs ../shared (${mnli})`);
const { backend } = await initTf(values['tf-backend']);
const scratch = await mkdtemp(join(tmpdir(), 'transferkit-bench-unfreeze-'));
// The shared bert-base-size bench model lives in the user's cache (generated once); everything else in scratch.
const benchModel = values['skip-base'] ? null : await ensureBenchModel(tokenizer);
process.env.TRANSFERKIT_CACHE = join(scratch, 'cache');

/** Seconds per optimizer step (median of `steps` after one warm-up step) for a split encoder + linear head. */
async function secondsPerStep(split: SplitEncoder, inputs: LowerInputs, batchSize: number): Promise<number> {
  const head = Head.create({ type: 'linear', inputDim: split.dim, numClasses: 3 }, new Rng(1));
  const variables = [...head.variables(), ...split.top.variables().map((v) => ({ ...v, name: `backbone/${v.name}`, lrScale: 0.1 }))];
  const optimizer = new Optimizer({ kind: 'adamw', weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 }, variables);
  const order = new Rng(2).permutation(inputs.encoded.length);
  const times: number[] = [];
  for (let s = 0; s <= steps; s++) {
    const indices = order.subarray(s * batchSize, (s + 1) * batchSize);
    const started = performance.now();
    const prepared = await split.prepare(inputs, indices);
    await trainStep(optimizer, Int32Array.from(indices, (i) => i % 3), autodiffGradients(variables, () => head.forward(split.pooled(prepared, 'cls'))), { lr: 1e-4, maxGradNorm: 1, classWeights: null });
    if (s > 0) times.push((performance.now() - started) / 1000);
  }
  optimizer.dispose();
  head.dispose();
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

try {
  console.log(`engine: TF.js ${backend} (${tf.getBackend()}); ONNX Runtime cpu for the lower part; load ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
  const mid = await makeBertModel({ outDir: join(scratch, 'mid'), layers: 4, hidden: 256, heads: 4, intermediate: 1024, vocabDir: tokenizer, seed: 1 });
  const base = await loadTextBackbone(mid.dir, { device: 'cpu' });
  const data = await loadTextDataset(mnli, { maxSamples: 2000 });
  const encoded = base.encodeInputs(datasetInputs(data), 128);
  for (const k of [1, 2, 4, 'all'] as UnfreezeTop[]) {
    const split = await SplitEncoder.create(base, k);
    let inputs: LowerInputs = { kind: 'tokens', encoded };
    let cache = 'none (token ids)';
    if (split.lower) {
      const started = performance.now();
      const states = await split.computeStates(encoded, 'float16', 32);
      cache = `${(states.byteLength / 2 ** 20).toFixed(1)} MiB float16 (${(RaggedStates.bytesFor(encoded.map((e) => e.ids.length), split.dim, 'float32') / 2 ** 20).toFixed(1)} MiB float32), computed in ${((performance.now() - started) / 1000).toFixed(1)} s`;
      inputs = { kind: 'states', states, encoded };
    }
    const perStep = await secondsPerStep(split, inputs, 32);
    const stepsPerEpoch = Math.ceil(encoded.length / 32);
    console.log(
      `mid-size K=${String(k).padEnd(3)} ${(perStep * stepsPerEpoch).toFixed(0).padStart(5)} s/epoch  [tfjs ${backend}; ${split.describeTrained()}; extrapolated: ${perStep.toFixed(3)} s/step, the median of ${steps} timed steps after one warm-up, x ${stepsPerEpoch} steps of batch 32 over ${encoded.length} pairs; training steps only, no evaluation] lower-part cache ${cache}`,
    );
    await split.dispose();
  }
  await base.dispose();
  if (!values['skip-base']) {
    const bert = await loadTextBackbone(benchModel!, { device: 'cpu' });
    const split = await SplitEncoder.create(bert, 1);
    const small = encoded.slice(0, 8 * (steps + 1));
    const perStep = await secondsPerStep(split, { kind: 'recompute', encoded: small }, 8);
    console.log(`bert-base size K=1: ${perStep.toFixed(2)} s/step  [tfjs ${backend} for layer 12 and the head, ONNX Runtime cpu recomputing layers 1-11 each step; batch 8 of MNLI pairs, median of ${steps} timed steps after one warm-up]`);
    await split.dispose();
    await bert.dispose();
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
