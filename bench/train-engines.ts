/**
 * Training the backbone layers, ONNX Runtime engine vs TF.js engine, side by side in one process on a
 * generated model (random weights, real bert-base-cased tokenizer), MNLI dev-matched pairs, batch 8, max
 * length 128, linear head, cls pooling, AdamW + clipping:
 *   - seconds per training step for each K: ort and tfjs steps interleaved, best of --reps (tfjs:
 *     --tfjs-reps-deep for K = 4 and all on the bert-base-size model, whose wasm steps take minutes), each
 *     after a warm-up step; both start from the lower part's cached states, as a run within --cache-budget does;
 *   - seconds per epoch over 2,000 pairs for each of --epoch-ks: for ort a whole epoch measured (250 steps
 *     in a shuffled order, session builds included; `--epoch estimate`: the mean of --epoch-sample steps ×
 *     250), plus the lower part's states of the 2,000 pairs, computed once and cached after; for tfjs its
 *     best step × 250 (estimated: a wasm epoch of K = 2 takes ~7 minutes, deeper ones hours), or for the
 *     K of --tfjs-epoch-ks a whole tfjs epoch measured too (needs --epoch measure; K = 1 ~3 minutes);
 *   - peak RSS of an ort training process per K at batch 8 × the longest pairs (a child process each).
 * Prints a markdown table; --write-report merges the figures into $TRANSFERKIT_CACHE/bench/results.json
 * (part `layers`, or `layersMid` for --model mid) and rewrites BENCHMARKS.md's "Layer training" section.
 *
 *   node bin/run-ts.js bench/train-engines.ts [--model base|mid] [--device cpu] [--ks 1,2,4,all] [--reps 3]
 *     [--tfjs-reps 3] [--tfjs-reps-deep 1] [--epoch-ks 1,2] [--epoch measure|estimate] [--epoch-sample 24] [--tfjs-epoch-ks 1]
 *     [--skip-steps] [--skip-epoch] [--skip-memory] [--write-report] [--replace-report] [--out BENCHMARKS.md]
 *
 * TF.js' wasm heap never shrinks: after K = 1, 2 and 4 in one process, K = all's tfjs step can run out
 * of wasm memory (`RuntimeError: memory access out of bounds`); run `--ks all` as its own invocation.
 *
 * `--model mid` is issue 13's mid-size BERT (4 layers, hidden 256, 4 heads): by default every K has its
 * epoch measured and tfjs runs --reps steps at every K.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DeviceChoice } from '../src/core/index.ts';
import { Rng } from '../src/core/index.ts';
import { transferKitCacheDir } from '../src/backbones/identity.ts';
import { loadTextBackbone } from '../src/backbones/load.ts';
import type { UnfreezeTop } from '../src/backbones/split/split-encoder.ts';
import { datasetInputs, loadTextDataset } from '../src/data/index.ts';
import { initTf } from '../src/heads/backend.ts';
import { ensureBenchModel, ensureMidBenchModel, MID_MODEL, sharedBenchFiles } from './bert-base-model.ts';
import type { TrainingEngine } from '../src/train/engine.ts';
import { layerTrainers, timeStep, type Timing, type Trainer } from './layer-trainers.ts';
import { layerTrainingTable } from './layer-report.ts';
import { writeReport } from './report.ts';
import { stampNow, type BenchResults, type LayerTrainingPart } from './results.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'base' },
    device: { type: 'string', default: 'cpu' },
    ks: { type: 'string', default: '1,2,4,all' },
    reps: { type: 'string', default: '3' },
    'tfjs-reps': { type: 'string', default: '3' },
    'tfjs-reps-deep': { type: 'string' },
    'epoch-ks': { type: 'string' },
    epoch: { type: 'string', default: 'measure' },
    'epoch-sample': { type: 'string', default: '24' },
    'tfjs-epoch-ks': { type: 'string', default: '' },
    'skip-steps': { type: 'boolean' },
    'skip-epoch': { type: 'boolean' },
    'skip-memory': { type: 'boolean' },
    'write-report': { type: 'boolean' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
    'replace-report': { type: 'boolean' },
    'memory-probe': { type: 'string' },
  },
});
const mid = values.model === 'mid';
if (!mid && values.model !== 'base') throw new Error(`--model: base or mid, not '${values.model}'`);
if (values.epoch !== 'measure' && values.epoch !== 'estimate') throw new Error(`--epoch: measure or estimate, not '${values.epoch}'`);
const tfjsEpochKs = new Set(values['tfjs-epoch-ks']!.split(',').filter(Boolean));
if (tfjsEpochKs.size > 0 && values.epoch !== 'measure') throw new Error('--tfjs-epoch-ks: a measured tfjs epoch needs --epoch measure (the lower states of all 2,000 pairs)');
const BATCH = 8;
const MAX_LENGTH = 128;
const EPOCH_PAIRS = 2000;
const STEPS_PER_EPOCH = Math.ceil(EPOCH_PAIRS / BATCH);
const parseK = (text: string): UnfreezeTop => (text === 'all' ? 'all' : Number(text));
const { tokenizerDir, dataFile } = sharedBenchFiles();
const modelDir = mid ? await ensureMidBenchModel(tokenizerDir) : await ensureBenchModel(tokenizerDir);
const modelName = mid
  ? `a generated mid-size BERT (${MID_MODEL.layers} layers, hidden ${MID_MODEL.hidden}, ${MID_MODEL.heads} heads, FFN ${MID_MODEL.intermediate}; random weights)`
  : 'a generated bert-base-size BERT (12 layers, hidden 768, 12 heads, FFN 3072; random weights)';
const { backend } = await initTf('wasm');
const base = await loadTextBackbone(modelDir, { device: values.device as DeviceChoice });
const data = await loadTextDataset(dataFile, { maxSamples: EPOCH_PAIRS });
const encoded = base.encodeInputs(datasetInputs(data), MAX_LENGTH);
const labels = Int32Array.from(data.labels!);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

/** The trainers of K over the examples `indices` of the 2,000 pairs. */
const trainersOn = (k: UnfreezeTop, indices: ArrayLike<number>) =>
  layerTrainers(base, backend, k, Array.from(indices, (i) => encoded[i]!), Int32Array.from(indices, (i) => labels[i]!));
const batchAt = (s: number) => Int32Array.from({ length: BATCH }, (_, j) => s * BATCH + j);
const bestOf = (times: Timing[]): Timing => ({ wall: Math.min(...times.map((t) => t.wall)), cpu: Math.min(...times.map((t) => t.cpu)) });
const meanOf = (times: Timing[]): Timing => ({ wall: times.reduce((a, x) => a + x.wall, 0) / times.length, cpu: times.reduce((a, x) => a + x.cpu, 0) / times.length });
const show = (t: Timing) => `${t.wall.toFixed(3)} s wall / ${t.cpu.toFixed(3)} s cpu`;

if (values['memory-probe']) {
  // Child process: a few ort steps at K on the longest batches, then the process's peak RSS.
  const k = parseK(values['memory-probe']);
  const longest = Int32Array.from(encoded.keys()).sort((a, b) => encoded[b]!.ids.length - encoded[a]!.ids.length).subarray(0, BATCH * 2);
  const t = await trainersOn(k, longest);
  for (let s = 0; s < 2; s++) await timeStep(t.ort, t, batchAt(s), s);
  console.log(JSON.stringify({ k: String(k), peakBytes: process.resourceUsage().maxRSS * 1024, seq: encoded[longest[0]!]!.ids.length }));
  await t.dispose();
  await base.dispose();
  process.exit(0);
}

console.log(`model ${modelDir}: ${modelName}, real bert-base-cased tokenizer, MNLI dev_matched, batch ${BATCH}, max length ${MAX_LENGTH}`);
console.log(`engines: ort ${base.device} (onnxruntime-node) vs tfjs ${backend}; load average at start ${load()} (shared machine: other processes run)`);
const ks = values.ks!.split(',');
const reps = Number(values.reps);
const order = new Rng(7).permutation(EPOCH_PAIRS);
const part: LayerTrainingPart = {
  at: '',
  loadavg: [],
  invocation: `node bin/run-ts.js bench/train-engines.ts ${process.argv.slice(2).join(' ')}`.trim(),
  model: modelName,
  batch: BATCH,
  epochPairs: EPOCH_PAIRS,
  steps: [],
  epochs: [],
  memory: [],
};

for (const kText of values['skip-steps'] ? [] : ks) {
  const k = parseK(kText);
  const deep = !mid && (k === 'all' || k >= 4);
  const tfjsReps = Number(deep ? (values['tfjs-reps-deep'] ?? '1') : values['tfjs-reps']);
  const t = await trainersOn(k, order.subarray(0, BATCH * (reps + 1)));
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
  part.steps.push({ k: kText, trained: t.split.describeTrained(), ort: { ...best.ort, reps: ort.length }, tfjs: best.tfjs ? { ...best.tfjs, reps: tfjs.length } : null });
  const ratio = (f: (t: Timing) => number) => (best.tfjs ? `${(f(best.tfjs) / f(best.ort)).toFixed(1)}x` : '-');
  console.log(
    `K=${kText.padEnd(3)} ${t.split.describeTrained().padEnd(20)} ort ${show(best.ort)} (best of ${ort.length}; warm-up incl. session builds ${warmSeconds.toFixed(1)} s) | tfjs ${best.tfjs ? `${show(best.tfjs)} (best of ${tfjs.length})` : '-'} | speed-up wall ${ratio((x) => x.wall)}, cpu ${ratio((x) => x.cpu)}; load ${load()}`,
  );
  await t.dispose();
}

/** The trainer's pairs in a shuffled order (the same for both engines): step s's indices into its subset. */
const epochOrder = (t: Trainer) => {
  const shuffled = new Rng(11).permutation(t.labels.length);
  return (s: number) => shuffled.subarray(s * BATCH, Math.min(t.labels.length, (s + 1) * BATCH));
};

/** One whole epoch of `engine` over the trainer's 2,000 pairs, measured. */
async function measuredEpoch(engine: TrainingEngine, t: Trainer): Promise<Timing & { how: string }> {
  const stepIndices = epochOrder(t);
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let s = 0; s < STEPS_PER_EPOCH; s++) await timeStep(engine, t, stepIndices(s), s);
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6, how: `measured, ${STEPS_PER_EPOCH} steps${engine === t.ort ? ' incl. session builds' : ''}` };
}

/** One ort epoch over the 2,000 pairs in a shuffled order, measured whole (or estimated from --epoch-sample steps). */
async function ortEpoch(t: Trainer): Promise<Timing & { how: string }> {
  if (values.epoch === 'measure') return measuredEpoch(t.ort, t);
  // The sampled pairs, shuffled as a measured epoch is.
  const stepIndices = epochOrder(t);
  const sample = Number(values['epoch-sample']);
  for (let s = 0; s < sample; s++) await timeStep(t.ort, t, stepIndices(s), s); // builds every bucket's session
  const times: Timing[] = [];
  for (let s = 0; s < sample; s++) times.push(await timeStep(t.ort, t, stepIndices(s), s));
  const mean = meanOf(times);
  return { wall: mean.wall * STEPS_PER_EPOCH, cpu: mean.cpu * STEPS_PER_EPOCH, how: `estimated: mean of ${sample} steps × ${STEPS_PER_EPOCH}` };
}

if (!values['skip-epoch']) {
  for (const kText of (values['epoch-ks'] ?? (mid ? values.ks! : '1,2')).split(',')) {
    // Estimating needs the lower part's states of the sampled batches only; their time is scaled to the 2,000 pairs.
    const pairs = values.epoch === 'measure' ? EPOCH_PAIRS : Number(values['epoch-sample']) * BATCH;
    const t = await trainersOn(parseK(kText), order.subarray(0, pairs));
    const ort = await ortEpoch(t);
    const statesSeconds = (t.statesSeconds * EPOCH_PAIRS) / pairs;
    const tfjsStep = part.steps.find((x) => x.k === kText)?.tfjs;
    let tfjs = tfjsStep ? { wall: tfjsStep.wall * STEPS_PER_EPOCH, cpu: tfjsStep.cpu * STEPS_PER_EPOCH, how: `estimated: best step × ${STEPS_PER_EPOCH}` } : null;
    if (tfjsEpochKs.has(kText)) {
      await t.ort.flush(); // the tfjs engine trains the TF.js variables: hand the ort epoch's weights back first
      tfjs = await measuredEpoch(t.tfjs, t);
    }
    part.epochs.push({ k: kText, ort, statesSeconds, tfjs });
    console.log(
      `K=${kText} epoch over ${EPOCH_PAIRS} pairs (${STEPS_PER_EPOCH} steps of ${BATCH}): ort ${ort.wall.toFixed(1)} s wall / ${ort.cpu.toFixed(1)} s cpu (${ort.how}) + ${statesSeconds.toFixed(1)} s once for the lower part's states (cached after${pairs < EPOCH_PAIRS ? `; scaled from ${pairs} pairs` : ''}); tfjs ${tfjs ? `${tfjs.how.startsWith('measured') ? '' : '~'}${tfjs.wall.toFixed(0)} s wall / ${tfjs.cpu.toFixed(0)} s cpu (${tfjs.how})` : '-'}; load ${load()}`,
    );
    await t.dispose();
  }
}
await base.dispose();

for (const k of values['skip-memory'] ? [] : ks) {
  try {
    const args = [new URL('../bin/run-ts.js', import.meta.url).pathname, new URL(import.meta.url).pathname, '--memory-probe', k, '--device', values.device!, '--model', values.model!];
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { peakBytes: number; seq: number };
    part.memory.push({ k, peakBytes: r.peakBytes, seq: r.seq });
    console.log(`K=${k} ort training process peak RSS ${(r.peakBytes / 2 ** 30).toFixed(2)} GiB (batch ${BATCH} x ${r.seq} tokens, the longest pairs; a 2,000-pair run adds its cached float16 lower states)`);
  } catch (error) {
    part.memory.push({ k, peakBytes: null, seq: null });
    console.log(`K=${k} memory probe failed: ${(error as Error).message.split('\n')[0]}`);
  }
}
Object.assign(part, stampNow(part.invocation!));
console.log(`\n${layerTrainingTable(part).join('\n')}\n\nload average at end ${load()}`);

if (values['write-report']) {
  const resultsFile = join(transferKitCacheDir(), 'bench', 'results.json');
  const results: BenchResults = existsSync(resultsFile) ? JSON.parse(await readFile(resultsFile, 'utf8')) : { parts: {} };
  results.parts[mid ? 'layersMid' : 'layers'] = part;
  await writeFile(resultsFile, JSON.stringify(results, null, 1));
  await writeReport(values.out!, results, { quick: false, argv: process.argv.slice(2), replace: values['replace-report'] });
  console.log(`wrote ${values.out} (raw results: ${resultsFile})`);
}
