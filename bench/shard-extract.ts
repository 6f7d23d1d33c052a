/**
 * Sharded extraction speed with 1, 2 and 4 local worker processes: each worker is
 * `transferkit extract --shard I/W` on one shared cache folder, as the pods of a Kubernetes Indexed Job
 * would run, over the first N pairs of MNLI dev-matched with the bert-base-size random-weight model (it
 * costs what the real bert-base-cased costs). Prints, per worker count, the wall time from launch until the
 * last worker exits (process start and model load included) and the extraction's own rate.
 *
 *   node bin/run-ts.js bench/shard-extract.ts [--pairs 512] [--workers 1,2,4] [--chunk-rows 64] [--max-length 128]
 *
 * On a machine with C cores, W workers share them: beyond C workers expect no gain (ONNX Runtime already
 * uses every core in one process). Needs ../shared (tokenizer and MNLI dev-matched).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cachedFileSha256 } from '../src/backbones/identity.ts';
import { loadTextDataset } from '../src/data/index.ts';
import { ensureBenchModel, sharedBenchFiles } from './bert-base-model.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '512' },
    workers: { type: 'string', default: '1,2,4' },
    'chunk-rows': { type: 'string', default: '64' },
    'max-length': { type: 'string', default: '128' },
  },
});
const pairs = Number(values.pairs);
const workerCounts = values.workers.split(',').map(Number);
const repoRoot = resolve(import.meta.dirname, '..');

const { tokenizerDir, dataFile } = sharedBenchFiles();
const modelDir = await ensureBenchModel(tokenizerDir);
const root = await mkdtemp(join(tmpdir(), 'transferkit-shard-bench-'));
// The first N pairs as their own file, so every worker reads exactly these rows.
const dataset = await loadTextDataset(dataFile, { maxSamples: pairs });
const data = join(root, 'pairs.tsv');
await writeFile(data, `premise\thypothesis\tlabel\n${dataset.texts.map((t, i) => `${t}\t${dataset.textPairs![i]}\t${dataset.labelNames[dataset.labels![i]]}`).join('\n')}\n`);
// The model file's hash is remembered under the cache root: hash it once here, not in every timed worker.
process.env.TRANSFERKIT_CACHE = root;
await cachedFileSha256(join(modelDir, 'onnx', 'model.onnx'));

console.log(`model: bert-base-size random weights (${modelDir}); ${pairs} pairs of ${dataFile}; max length ${values['max-length']}; chunks of ${values['chunk-rows']} rows`);
console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start (shared: other work competes for the same cores)`);
console.log('workers | wall s (start..last exit) | pairs/s (wall) | extraction s (slowest worker) | pairs/s (extraction) | per worker pairs/s');

for (const workers of workerCounts) {
  await rm(join(root, 'features'), { recursive: true, force: true });
  const started = performance.now();
  const outcomes = await Promise.all(Array.from({ length: workers }, (_, index) => runWorker(index, workers)));
  const wall = (performance.now() - started) / 1000;
  const computed = outcomes.reduce((sum, o) => sum + o.computed_rows, 0);
  if (computed !== pairs) throw new Error(`workers computed ${computed} rows, expected ${pairs}`);
  const slowest = Math.max(...outcomes.map((o) => o.seconds));
  const perWorker = outcomes.map((o) => (o.computed_rows / o.seconds).toFixed(1)).join(', ');
  console.log(`${workers} | ${wall.toFixed(1)} | ${(pairs / wall).toFixed(1)} | ${slowest.toFixed(1)} | ${(pairs / slowest).toFixed(1)} | ${perWorker}`);
}
await rm(root, { recursive: true, force: true });

function runWorker(index: number, count: number): Promise<{ computed_rows: number; seconds: number }> {
  const args = ['extract', '--model', modelDir, '--data', data, '--shard', `${index}/${count}`, '--chunk-rows', values['chunk-rows'], '--max-length', values['max-length'], '--device', 'cpu', '--json'];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/transferkit.js'), ...args], { env: { ...process.env, TRANSFERKIT_CACHE: root } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('close', (code) => (code === 0 ? done(JSON.parse(stdout)) : fail(new Error(`worker ${index}/${count} exited ${code}: ${stderr.trim()}`))));
  });
}
