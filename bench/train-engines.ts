/**
 * Training the backbone layers, ONNX Runtime engine vs TF.js engine, side by side in one process on a
 * generated bert-base-size model (random weights, real bert-base-cased tokenizer), MNLI dev-matched
 * pairs, batch 8, max length 128, linear head, cls pooling, AdamW + clipping:
 *   - seconds per training step for K = 1, 2, 4, all: ort and tfjs steps interleaved, best of --reps
 *     (tfjs: --tfjs-reps-deep for K = 4 and all, whose wasm steps take minutes), each after a warm-up
 *     step; both start from the lower part's cached states, as a run within --cache-budget does;
 *   - seconds per epoch over 2,000 pairs for K = 1 and 2: for ort the mean of --epoch-sample steps on
 *     batches drawn as an epoch draws them, times 250 steps, plus the lower part's states (computed once,
 *     cached after) at the sampled pairs' rate; for tfjs its best step time × 250 (a wasm epoch takes hours);
 *   - peak RSS of an ort training process per K at batch 8 × 128 tokens (a child process each).
 *
 *   node bin/run-ts.js bench/train-engines.ts [--device cpu] [--ks 1,2,4,all] [--reps 3] [--tfjs-reps 3] [--tfjs-reps-deep 1] [--epoch-sample 24] [--skip-epoch] [--skip-memory]
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { DeviceChoice } from '../src/core/index.ts';
import { Rng } from '../src/core/index.ts';
import { loadTextBackbone } from '../src/backbones/load.ts';
import { SplitEncoder, type LowerInputs, type UnfreezeTop } from '../src/backbones/split/split-encoder.ts';
import type { ResolvedDevice } from '../src/backbones/device.ts';
import type { EncodedInput } from '../src/encode/pairs.ts';
import { datasetInputs, loadTextDataset } from '../src/data/index.ts';
import { initTf } from '../src/heads/backend.ts';
import { Head } from '../src/heads/head.ts';
import { BACKBONE_OPTIMIZER_PREFIX } from '../src/train/checkpoints.ts';
import type { TrainingEngine } from '../src/train/engine.ts';
import { addGradients } from '../src/train/onnx-grad/index.ts';
import { Optimizer } from '../src/train/optimizers.ts';
import { OrtEngine } from '../src/train/ort/ort-engine.ts';
import { TfjsEngine } from '../src/train/tfjs-engine.ts';
import { ensureBenchModel, sharedBenchFiles } from './bert-base-model.ts';

const { values } = parseArgs({
  options: {
    device: { type: 'string', default: 'cpu' },
    ks: { type: 'string', default: '1,2,4,all' },
    reps: { type: 'string', default: '3' },
    'tfjs-reps': { type: 'string', default: '3' },
    'tfjs-reps-deep': { type: 'string', default: '1' },
    'epoch-sample': { type: 'string', default: '24' },
    'skip-epoch': { type: 'boolean' },
    'skip-memory': { type: 'boolean' },
    'memory-probe': { type: 'string' },
  },
});
const BATCH = 8;
const MAX_LENGTH = 128;
const EPOCH_PAIRS = 2000;
const parseK = (text: string): UnfreezeTop => (text === 'all' ? 'all' : Number(text));
const { tokenizerDir, dataFile } = sharedBenchFiles();
const modelDir = await ensureBenchModel(tokenizerDir);
const { backend } = await initTf('wasm');
const base = await loadTextBackbone(modelDir, { device: values.device as DeviceChoice });
const data = await loadTextDataset(dataFile, { maxSamples: EPOCH_PAIRS });
const encoded = base.encodeInputs(datasetInputs(data), MAX_LENGTH);
const labels = data.labels!;

interface Trainer {
  split: SplitEncoder;
  labels: Int32Array;
  inputs: LowerInputs;
  ort: OrtEngine;
  tfjs: TfjsEngine;
  dispose: () => Promise<void>;
}

/** Both engines over the same split, head and starting weights; the lower part's states of `subset` computed first (timed). */
async function trainers(k: UnfreezeTop, subset: EncodedInput[]): Promise<Trainer & { statesSeconds: number }> {
  const split = await SplitEncoder.create(base, k);
  const started = performance.now();
  const inputs: LowerInputs = split.lower ? { kind: 'states', states: await split.computeStates(subset, 'float16', 32), encoded: subset } : { kind: 'tokens', encoded: subset };
  const statesSeconds = (performance.now() - started) / 1000;
  const spec = { type: 'linear' as const, inputDim: split.dim, numClasses: 3 };
  const head = Head.create(spec, new Rng(1));
  const params = [...head.variables(), ...split.top.variables().map((v) => ({ ...v, name: `${BACKBONE_OPTIMIZER_PREFIX}${v.name}`, lrScale: 0.1 }))];
  const optimizer = new Optimizer({ kind: 'adamw', weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 }, params);
  const ort = new OrtEngine(split, spec, 'cls', addGradients, base.device as ResolvedDevice);
  await ort.attach(params, optimizer);
  const tfjs = new TfjsEngine(split, head, 'cls', params, optimizer, backend);
  const subsetLabels = Int32Array.from(subset, (e) => labels[encoded.indexOf(e)]!);
  return {
    split,
    labels: subsetLabels,
    inputs,
    ort,
    tfjs,
    statesSeconds,
    dispose: async () => {
      await ort.dispose();
      optimizer.dispose();
      head.dispose();
      await split.dispose();
    },
  };
}

/**
 * Wall and CPU seconds (all of the process's threads) for one optimizer step on the examples `indices` of
 * the trainer's subset (prepare + step), as fit() runs it. On a machine shared with other work the CPU
 * seconds are the steadier figure; the wall seconds are what a user waits.
 */
async function timeStep(engine: TrainingEngine, t: Trainer, indices: Int32Array, step: number): Promise<Timing> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const batch = await t.split.prepare(t.inputs, indices, engine.lengthGroups);
  await engine.step(batch, Int32Array.from(indices, (i) => t.labels[i]!), new Rng(step), { lr: 1e-4, maxGradNorm: 1, classWeights: null, classWeightsTensor: null });
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}

interface Timing {
  wall: number;
  cpu: number;
}

const bestOf = (times: Timing[]): Timing => ({ wall: Math.min(...times.map((t) => t.wall)), cpu: Math.min(...times.map((t) => t.cpu)) });
const show = (t: Timing) => `${t.wall.toFixed(3)} s wall / ${t.cpu.toFixed(3)} s cpu`;

const peakMB = () => process.resourceUsage().maxRSS / 1024;

if (values['memory-probe']) {
  // Child process: a few ort steps at K on the longest batches (128 tokens), then the process's peak RSS.
  const k = parseK(values['memory-probe']);
  const longest = [...encoded].sort((a, b) => b.ids.length - a.ids.length).slice(0, BATCH * 2);
  const t = await trainers(k, longest);
  for (let s = 0; s < 2; s++) await timeStep(t.ort, t, Int32Array.from({ length: BATCH }, (_, j) => s * BATCH + j), s);
  console.log(JSON.stringify({ k, peakMB: peakMB(), seq: longest[0]!.ids.length }));
  await t.dispose();
  await base.dispose();
  process.exit(0);
}

console.log(`model ${modelDir} (bert-base size: 12 layers, hidden 768, random weights), real bert-base-cased tokenizer, MNLI dev_matched, batch ${BATCH}, max length ${MAX_LENGTH}`);
console.log(`engines: ort ${base.device} (onnxruntime-node) vs tfjs ${backend}; load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machine: other processes run)`);
const order = new Rng(7).permutation(EPOCH_PAIRS);
const reps = Number(values.reps);
const stepTimes = new Map<string, { ort: Timing; tfjs: Timing | null }>();
for (const k of values.ks!.split(',').map(parseK)) {
  const deep = k === 'all' || k >= 4;
  const tfjsReps = Number(deep ? values['tfjs-reps-deep'] : values['tfjs-reps']);
  const t = await trainers(k, Array.from(order.subarray(0, BATCH * (reps + 1)), (i) => encoded[i]!));
  const batchAt = (s: number) => Int32Array.from({ length: BATCH }, (_, j) => s * BATCH + j);
  // Warm-up: every timed batch once through ort (one session per sequence bucket is built on first use), one through tfjs.
  const warm = performance.now();
  for (let r = 1; r <= reps; r++) await timeStep(t.ort, t, batchAt(r), r);
  const warmSeconds = (performance.now() - warm) / 1000;
  if (tfjsReps > 0) await timeStep(t.tfjs, t, batchAt(0), 0);
  const ort: Timing[] = [];
  const tfjs: Timing[] = [];
  for (let r = 1; r <= reps; r++) {
    ort.push(await timeStep(t.ort, t, batchAt(r), r));
    if (r <= tfjsReps) tfjs.push(await timeStep(t.tfjs, t, batchAt(r), r));
  }
  const best = { ort: bestOf(ort), tfjs: tfjs.length > 0 ? bestOf(tfjs) : null };
  stepTimes.set(String(k), best);
  const ratio = (f: (t: Timing) => number) => (best.tfjs ? `${(f(best.tfjs) / f(best.ort)).toFixed(0)}x` : '-');
  const line = `K=${String(k).padEnd(3)} ${t.split.describeTrained().padEnd(20)} ort ${show(best.ort)} (best of ${ort.length}; warm-up incl. session builds ${warmSeconds.toFixed(1)} s) | tfjs ${best.tfjs ? `${show(best.tfjs)} (best of ${tfjs.length})` : '-'} | speed-up wall ${ratio((x) => x.wall)}, cpu ${ratio((x) => x.cpu)}`;
  console.log(line);
  await t.dispose();
}

if (!values['skip-epoch']) {
  const sample = Number(values['epoch-sample']);
  const steps = Math.ceil(EPOCH_PAIRS / BATCH);
  for (const k of [1, 2]) {
    const t = await trainers(k, Array.from(order.subarray(0, sample * BATCH), (i) => encoded[i]!));
    const batchAt = (s: number) => Int32Array.from({ length: BATCH }, (_, j) => s * BATCH + j);
    for (let s = 0; s < sample; s++) await timeStep(t.ort, t, batchAt(s), s); // builds every bucket's session
    const times: Timing[] = [];
    for (let s = 0; s < sample; s++) times.push(await timeStep(t.ort, t, batchAt(s), s));
    const mean = { wall: times.reduce((a, x) => a + x.wall, 0) / sample, cpu: times.reduce((a, x) => a + x.cpu, 0) / sample };
    const states = (t.statesSeconds * EPOCH_PAIRS) / (sample * BATCH);
    const tfjsStep = stepTimes.get(String(k))?.tfjs;
    console.log(
      `K=${k} epoch over ${EPOCH_PAIRS} pairs (${steps} steps of ${BATCH}): ort ${(mean.wall * steps).toFixed(0)} s wall / ${(mean.cpu * steps).toFixed(0)} s cpu (mean of ${sample} sampled steps x ${steps}) + ~${states.toFixed(0)} s wall once for the lower part's states (cached after); tfjs ~${tfjsStep ? `${(tfjsStep.wall * steps).toFixed(0)} s wall / ${(tfjsStep.cpu * steps).toFixed(0)} s cpu (best step x ${steps})` : '-'}`,
    );
    await t.dispose();
  }
}
await base.dispose();

for (const k of values['skip-memory'] ? [] : values.ks!.split(',')) {
  try {
    const out = execFileSync(process.execPath, [new URL('../bin/run-ts.js', import.meta.url).pathname, new URL(import.meta.url).pathname, '--memory-probe', k, '--device', values.device!], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    console.log(`K=${k} ort training process peak RSS ${(r.peakMB / 1024).toFixed(2)} GB (batch ${BATCH} x ${r.seq} tokens, the longest pairs; a 2,000-pair run adds its cached float16 lower states)`);
  } catch (error) {
    console.log(`K=${k} memory probe failed: ${(error as Error).message.split('\n')[0]}`);
  }
}
console.log(`tfjs (this process, wasm heap never shrinks) peak RSS so far ${(peakMB() / 1024).toFixed(2)} GB; load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
