/**
 * Where an ort layer-training step goes, on the bert-base-size model (batch 8, MNLI dev-matched pairs,
 * linear head, cls pooling, AdamW + clipping): the step split into prepare (the lower part's cached
 * states padded into a batch), building the feeds, session.run, reading the outputs, and the optimizer
 * (global-norm clipping and AdamW over every weight); then ONNX Runtime's own profiler
 * (enableProfiling) over a few runs of the same step graph, summed per operator type, and the operator
 * types of the graph after ONNX Runtime's optimisations.
 *
 * --optimizer-threads 1,2 times the steps of one engine per value side by side (interleaved, step by step);
 * but each engine's sessions have their own intra-op threads, and a one-thread engine's spin on after its
 * run (the other's do not: step-sessions.ts), holding a core while the next engine runs: its session.run
 * reads ~6 ms slower (median). For whole steps, alternate processes of --optimizer-threads 1 and 2.
 *
 *   node bin/run-ts.js bench/ort-step-profile.ts [--model base|mid] [--k 1] [--steps 5] [--threads 0] [--dense-grads] [--optimizer-threads auto|1|2|1,2] [--variants default,exported-gelu,threads-1,no-spinning,dense-grads] [--skip-kernels]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { InferenceSession } from 'onnxruntime-node';
import { loadTextBackbone } from '../src/backbones/load.ts';
import type { UnfreezeTop } from '../src/backbones/split/split-encoder.ts';
import { encodeModel } from '../src/backbones/onnx/model.ts';
import { datasetInputs, loadTextDataset } from '../src/data/index.ts';
import { Rng } from '../src/core/index.ts';
import { initTf } from '../src/heads/backend.ts';
import type { Gradient } from '../src/train/factored-gradient.ts';
import { addGradients } from '../src/train/onnx-grad/index.ts';
import { factorGradients } from '../src/train/ort/factor-gradients.ts';
import { loadOrt } from '../src/train/ort/step-sessions.ts';
import { buildTrainingGraph, STEP } from '../src/train/ort/training-graph.ts';
import { ensureBenchModel, ensureMidBenchModel, sharedBenchFiles } from './bert-base-model.ts';
import { layerTrainers } from './layer-trainers.ts';
import { kernelTimes, optimisedOps } from './ort-profile-file.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'base' },
    k: { type: 'string', default: '1' },
    steps: { type: 'string', default: '5' },
    threads: { type: 'string', default: '0' },
    'skip-kernels': { type: 'boolean' },
    /** The engine's steps with every weight gradient dense (no factors), to compare whole steps. */
    'dense-grads': { type: 'boolean' },
    /** Step-graph variants timed side by side: default, exported-gelu, threads-1, no-spinning, dense-grads (no factored gradients). */
    variants: { type: 'string' },
    /** The optimizer's threads (simd/thread-split.ts): auto, 1, 2, or a list to compare (one engine each). */
    'optimizer-threads': { type: 'string', default: 'auto' },
  },
});
const BATCH = 8;
const k: UnfreezeTop = values.k === 'all' ? 'all' : Number(values.k);
const steps = Number(values.steps);
const { tokenizerDir, dataFile } = sharedBenchFiles();
const modelDir = values.model === 'mid' ? await ensureMidBenchModel(tokenizerDir) : await ensureBenchModel(tokenizerDir);
const { backend } = await initTf('wasm');
const base = await loadTextBackbone(modelDir, { device: 'cpu' });
const data = await loadTextDataset(dataFile, { maxSamples: BATCH * (steps + 1) });
const encoded = base.encodeInputs(datasetInputs(data), 128);
const t = await layerTrainers(base, backend, k, encoded, Int32Array.from(data.labels!), { factorGradients: !values['dense-grads'] });
const threadChoices = values['optimizer-threads'].split(',').map((v) => (v === 'auto' ? v : (Number(v) as 1 | 2)));
const engines = threadChoices.length === 1 && threadChoices[0] === 'auto' ? [t.ort] : await Promise.all(threadChoices.map((optimizerThreads) => t.ortWith({ factorGradients: !values['dense-grads'], optimizerThreads })));
const engine = engines[0]!;
const ort = await loadOrt();

// Times session.run inside the engine's compute() without touching the engine: every session's run goes through this prototype.
const sessionProto = (ort.InferenceSession as unknown as { prototype: unknown }).prototype as { run: (...args: unknown[]) => Promise<unknown> };
const originalRun = sessionProto.run;
let runSeconds = 0;
sessionProto.run = async function (this: InferenceSession, ...args: unknown[]) {
  const started = performance.now();
  const out = await originalRun.apply(this, args);
  runSeconds += (performance.now() - started) / 1000;
  return out;
};

type Arrays = { apply: (g: Map<string, Gradient>, lr: number, clip: number) => void };
const arraysOf = (e: typeof engine) => (e as unknown as { attached: { arrays: Arrays } }).attached.arrays;
const parts = ['prepare', 'compute (feeds + run + outputs)', 'session.run', 'optimizer apply (clip + AdamW)', 'whole step'];
const label = (part: string, e: number) => (engines.length > 1 ? `optimizer threads ${threadChoices[e]}: ${part}` : part);
const rows: Record<string, number[]> = Object.fromEntries(engines.flatMap((_, e) => parts.map((part) => [label(part, e), []])));
const batchAt = (s: number) => Int32Array.from({ length: BATCH }, (_, j) => s * BATCH + j);
// Garbage-collection pauses during the timed steps (onnxruntime-node's output copies count against V8's heap limit).
const gc = { events: 0, ms: 0, counting: false };
new PerformanceObserver((list) => {
  if (gc.counting) for (const entry of list.getEntries()) [gc.events, gc.ms] = [gc.events + 1, gc.ms + entry.duration];
}).observe({ entryTypes: ['gc'] });
let seq = 0;
for (let s = 0; s <= steps; s++) {
  gc.counting = s > 0;
  // Each engine takes the same batch in turn.
  for (const [e, stepEngine] of engines.entries()) {
    const indices = batchAt(s);
    const stepStarted = performance.now();
    let started = performance.now();
    const batch = await t.split.prepare(t.inputs, indices, false);
    const prepareSeconds = (performance.now() - started) / 1000;
    runSeconds = 0;
    started = performance.now();
    const labels = Int32Array.from(indices, (i) => t.labels[i]!);
    const out = await stepEngine.compute('train', batch, { labels, classWeights: null, dropout: stepEngine.dropoutMasks(BATCH, new Rng(s)) });
    const computeSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    arraysOf(stepEngine).apply(out.grads, 1e-4, 1);
    const applySeconds = (performance.now() - started) / 1000;
    const whole = (performance.now() - stepStarted) / 1000;
    seq = batch.groups[0]!.seq;
    if (s === 0) continue; // builds the session
    for (const [part, seconds] of [prepareSeconds, computeSeconds, runSeconds, applySeconds, whole].entries()) rows[label(parts[part]!, e)]!.push(seconds);
  }
}
sessionProto.run = originalRun;
gc.counting = false;
const params = [...engine['weights'].values()].reduce((n, w) => n + w.data.length, 0);
console.log(`K=${values.k} (${t.split.describeTrained()}), ${params.toLocaleString('en')} trained parameters, batch ${BATCH}, ${steps} timed steps (the first, which builds the session, not counted); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| part | median ms | min ms |', '\n|---|---|---|');
for (const [name, xs] of Object.entries(rows)) {
  const sorted = [...xs].sort((a, b) => a - b);
  console.log(`| ${name} | ${(sorted[Math.floor(sorted.length / 2)]! * 1000).toFixed(1)} | ${(sorted[0]! * 1000).toFixed(1)} |`);
}
console.log(`garbage collection during the timed steps: ${gc.events} pauses, ${gc.ms.toFixed(0)} ms (${(gc.ms / steps / engines.length).toFixed(1)} ms a step)`);

// The same step graph (last batch's bucket), in sessions of its own: variants side by side, then ONNX Runtime's profiler.
const sessions = engine['sessions'];
const bucket = sessions.bucket(seq);
const graphShape = engine.graphShape;
/** The step graph as the engine builds it (few-row weight gradients as factors), or variants of it. */
const stepModel = (gelu: 'fused' | 'exported', factored = true) => {
  const { model, weights } = buildTrainingGraph({ ...graphShape, batch: BATCH, seq: bucket, dropout: true, gelu });
  const gradients = addGradients(model.graph, { loss: STEP.loss, wrt: weights });
  if (factored) factorGradients(model.graph, gradients);
  return encodeModel(model);
};
/** Feeds for a session of the step graph: the engine's weights, a full mask, label 0. */
const feedsFor = (session: InferenceSession) => {
  const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
  for (const input of session.inputMetadata) {
    if (!input.isTensor) continue;
    const dims = input.shape as number[];
    const size = dims.reduce((a, b) => a * b, 1);
    if (input.type === 'int64') feeds[input.name] = new ort.Tensor('int64', new BigInt64Array(size), dims);
    else {
      const weight = engine['weights'].get(input.name);
      feeds[input.name] = new ort.Tensor('float32', weight ? weight.data : new Float32Array(size).fill(input.name === STEP.mask || input.name === STEP.classWeights ? 1 : 0.1), dims);
    }
  }
  return feeds;
};

if (values.variants) {
  const options = (threads: number, spinning: boolean): InferenceSession.SessionOptions => ({
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
  });
  const known: Record<string, () => [Uint8Array, InferenceSession.SessionOptions]> = {
    default: () => [stepModel('fused'), options(0, true)],
    'exported-gelu': () => [stepModel('exported'), options(0, true)],
    'threads-1': () => [stepModel('fused'), options(1, true)],
    'no-spinning': () => [stepModel('fused'), options(0, false)],
    'dense-grads': () => [stepModel('fused', false), options(0, true)],
  };
  const variants = values.variants.split(',');
  const made = [];
  for (const name of variants) {
    if (!known[name]) throw new Error(`--variants: unknown '${name}' (known: ${Object.keys(known).join(', ')})`);
    const [bytes, opts] = known[name]!();
    const session = await ort.InferenceSession.create(bytes, opts);
    const feeds = feedsFor(session);
    await session.run(feeds);
    made.push({ name, session, feeds, times: [] as number[] });
  }
  // Interleaved: one run of each variant per round, so they share the machine's minutes.
  for (let r = 0; r < steps; r++) {
    for (const v of made) {
      const started = performance.now();
      await v.session.run(v.feeds);
      v.times.push(performance.now() - started);
    }
  }
  console.log(`\nstep graph ${BATCH}x${bucket}, session.run wall ms, ${steps} interleaved rounds; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| variant | median ms | min ms |', '\n|---|---|---|');
  for (const v of made) {
    const sorted = [...v.times].sort((a, b) => a - b);
    console.log(`| ${v.name} | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} | ${sorted[0]!.toFixed(1)} |`);
    await v.session.release();
  }
}

if (!values['skip-kernels']) {
  const work = await mkdtemp(join(tmpdir(), 'tk-step-profile-'));
  const optimized = join(work, 'optimized.onnx');
  const session = await ort.InferenceSession.create(stepModel('fused'), {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: Number(values.threads),
    enableProfiling: true,
    profileFilePrefix: join(work, 'profile'),
    optimizedModelFilePath: optimized,
  });
  const feeds = feedsFor(session);
  await session.run(feeds);
  for (let r = 0; r < steps; r++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  const { runTotal, perOp, perNode, kernelTotal } = await kernelTimes(work);
  const runs = steps + 1;
  console.log(`\nORT profile, step graph ${BATCH}x${bucket}, ${runs} runs: model_run ${(runTotal / runs / 1000).toFixed(1)} ms/run, kernels ${(kernelTotal / runs / 1000).toFixed(1)} ms/run`);
  console.log('| operator | ms/run | share |', '\n|---|---|---|');
  for (const [op, us] of [...perOp].sort((a, b) => b[1] - a[1])) console.log(`| ${op} | ${(us / runs / 1000).toFixed(2)} | ${((us / kernelTotal) * 100).toFixed(1)}% |`);
  console.log('\nslowest nodes (ms/run):');
  for (const [node, us] of [...perNode].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${node}  ${(us / runs / 1000).toFixed(2)}`);
  console.log(`\noptimised graph: ${await optimisedOps(optimized)}`);
  await rm(work, { recursive: true, force: true });
}
for (const e of engines) if (e !== t.ort) await e.dispose();
await t.dispose();
await base.dispose();
