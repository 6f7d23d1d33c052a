/**
 * `npm run bench`: the benchmark suite, side by side in one run, written to BENCHMARKS.md.
 *
 *   npm run bench [-- --quick] [--rounds 3] [--subset-every 32] [--skip-full] [--naive-full] [--full-every 1]
 *                 [--full-engines fp32,int8]
 *                 [--rss-pairs 100000] [--head-rows 400000] [--parts a,b] [--out BENCHMARKS.md]
 *
 * Parts (all by default): padding, rounds, full, load, int8, heads, rss; and `agreement` (only when named:
 * embeds dev_matched with the int8 engines of --full-engines and measures the agreement against the
 * fp32 features of the last full part, without re-running fp32) and `rss-int8` (only when named: peak RSS
 * of the 12-layer int8 model over the repeated --rss-pairs file). Each part's results (with the
 * time and load averages when it ran) are merged into $TRANSFERKIT_CACHE/bench/results.json (`--fresh`
 * starts it over; --quick uses results-quick.json), so `--parts` re-runs some (`--parts report` none)
 * and the report shows the latest of each. See BENCHMARKS.md for what each part measures.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { transferKitCacheDir } from '../src/backbones/identity.ts';
import { runNode, type ChildRun } from './child.ts';
import { ensureBenchModel, ensureInt8BenchModels, sharedBenchFiles, type Int8Engine } from './bert-base-model.ts';
import type { GemmMeasurement } from './gemm-ceiling.ts';
import { ALL_PARTS, EXTRA_PARTS, stampNow, type Agreement, type BenchResults, type EngineRun, type Part } from './results.ts';
import { tokenStatistics, writeSubset, writeRepeated } from './datasets.ts';
import { writeReport } from './report.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'subset-every': { type: 'string' },
    'skip-full': { type: 'boolean', default: false },
    'naive-full': { type: 'boolean', default: false },
    'full-engines': { type: 'string', default: 'fp32,int8' },
    'full-every': { type: 'string', default: '1' },
    'rss-pairs': { type: 'string' },
    'head-rows': { type: 'string' },
    parts: { type: 'string' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
    /** Rewrite the report even where the results file lacks sections it holds (see writeReport). */
    'replace-report': { type: 'boolean' },
    fresh: { type: 'boolean', default: false },
  },
});
const quick = values.quick!;
const rounds = Number(values.rounds ?? (quick ? 1 : 3));
const subsetEvery = Number(values['subset-every'] ?? (quick ? 128 : 32));
const headRows = Number(values['head-rows'] ?? (quick ? 50_000 : 400_000));
const rssPairs = Number(values['rss-pairs'] ?? 100_000);
const defaultParts: Part[] = quick ? ['padding', 'rounds', 'load', 'int8', 'heads'] : values['skip-full'] ? ALL_PARTS.filter((p) => p !== 'full') : [...ALL_PARTS];
const parts = new Set<Part>(values.parts ? (values.parts.split(',') as Part[]) : defaultParts);
const knownParts: readonly string[] = [...ALL_PARTS, ...EXTRA_PARTS];
for (const part of parts) if (part !== 'report' && !knownParts.includes(part)) throw new Error(`--parts: unknown part '${part}' (known: ${knownParts.join(', ')})`);

const CLI = 'bin/transferkit.js';
const RSS_FFN = 64;
const RUN_TS = 'bin/run-ts.js';
const benchDir = join(transferKitCacheDir(), 'bench');
const work = join(benchDir, 'work');
// A quick run keeps its own file, so its figures never mix with a full run's.
const resultsFile = join(benchDir, quick ? 'results-quick.json' : 'results.json');
await mkdir(work, { recursive: true });

const { tokenizerDir, dataFile } = sharedBenchFiles();
const modelDir = await ensureBenchModel(tokenizerDir);
const int8 = await ensureInt8BenchModels(modelDir);
const results: BenchResults = { parts: {} };
if (values.fresh) await rm(resultsFile, { force: true });
results.int8Note = int8.note;
const invocation = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
const stamp = () => stampNow(invocation);
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

type TkEngine = 'fp32' | Int8Engine;
const engineModel = (engine: TkEngine) => (engine === 'fp32' ? modelDir : int8.models[engine]!);
const embedArgs = (engine: TkEngine, input: string, output: string) => [
  'embed', '--model', engineModel(engine), '--input', input, '--output', output, '--device', 'cpu',
  ...(engine === 'fp32' ? [] : ['--dtype', 'q8']),
];

/** One engine over one file as its own process: wall time incl. load, in-process pairs/s, peak RSS. */
async function runEngine(engine: 'naive' | TkEngine, input: string, pairs: number, output: string): Promise<EngineRun> {
  await rm(output, { force: true });
  const child: ChildRun<{ loopSeconds: number; realTokens: number; paddingFraction: number }> =
    engine === 'naive'
      ? await runNode(RUN_TS, ['bench/naive-transformersjs.ts', '--model', modelDir, '--input', input, '--output', output])
      : await runNode(CLI, embedArgs(engine, input, output));
  const inProcess = engine === 'naive' ? pairs / child.result!.loopSeconds : Number(/([\d.]+) pairs\/s\)/.exec(child.stdout)?.[1]);
  log(`${engine}: ${pairs} pairs, ${(pairs / child.wallSeconds).toFixed(2)} pairs/s whole process, ${inProcess.toFixed(2)} in-process, peak RSS ${((child.peakRssBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`);
  return { engine, pairs, command: child.command, wallSeconds: child.wallSeconds, inProcessPairsPerSecond: inProcess, peakRssBytes: child.peakRssBytes, output, ...stamp() };
}

async function ceiling(m: number, seconds: number): Promise<GemmMeasurement[]> {
  const child = await runNode<GemmMeasurement[]>(RUN_TS, ['bench/gemm-ceiling.ts', '--m', String(m), '--seconds', String(seconds)]);
  log(`ceiling m=${m}: ${child.result!.map((g) => `${g.engine} ${g.best.toFixed(0)}`).join(', ')} GFLOP/s (best)`);
  return child.result!;
}

const engines: TkEngine[] = ['fp32', ...(Object.keys(int8.models) as Int8Engine[])];
const fullEngines = (values['full-engines']!.split(',') as TkEngine[]).filter((e) => engines.includes(e));
const full = await tokenStatistics(tokenizerDir, dataFile);
const gemmRows = Math.round(full.meanBatchTokens);

if (parts.has('padding')) {
  results.parts.padding = { ...stamp(), file: dataFile, ...full };
  log(`padding over ${full.pairs} pairs: TransferKit ${(full.tkPadding * 100).toFixed(2)}%, max_length 128 ${(full.naivePadding * 100).toFixed(1)}%`);
}

await save(); // after each part, so a failure later keeps what was measured
if (parts.has('rounds')) {
  const subset = await writeSubset(dataFile, join(work, `dev-every-${subsetEvery}.tsv`), subsetEvery);
  const stats = await tokenStatistics(tokenizerDir, subset.file);
  const runs: EngineRun[] = [];
  const ceilings: { round: number; gemm: GemmMeasurement[] }[] = [];
  const order = ['naive', ...engines] as const;
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round, so no engine always runs after the same neighbour.
    const rotated = order.map((_, i) => order[(i + round) % order.length]);
    ceilings.push({ round, gemm: await ceiling(gemmRows, quick ? 2 : 3) });
    for (const engine of rotated) runs.push({ ...(await runEngine(engine, subset.file, subset.pairs, join(work, `subset-${engine}.npy`))), round });
  }
  results.parts.rounds = { ...stamp(), file: subset.file, every: subsetEvery, pairs: subset.pairs, realTokens: stats.realTokens, tkPadding: stats.tkPadding, runs, ceilings };
}

await save();
if (parts.has('full')) {
  // The whole file by default; --full-every N takes every Nth pair where the whole file does not fit the time.
  const every = Number(values['full-every']);
  const set = every === 1 ? { file: dataFile, stats: full } : await (async () => {
    const subset = await writeSubset(dataFile, join(work, `dev-every-${every}.tsv`), every);
    return { file: subset.file, stats: await tokenStatistics(tokenizerDir, subset.file) };
  })();
  const runs: EngineRun[] = [];
  const ceilings: { after: string; gemm: GemmMeasurement[] }[] = [];
  for (const engine of [...(values['naive-full'] ? ['naive' as const] : []), ...fullEngines]) {
    runs.push(await runEngine(engine, set.file, set.stats.pairs, join(work, `full-${engine}.npy`)));
    ceilings.push({ after: engine, gemm: await ceiling(gemmRows, 3) });
  }
  results.parts.full = { ...stamp(), file: set.file, every, pairs: set.stats.pairs, realTokens: set.stats.realTokens, tkPadding: set.stats.tkPadding, runs, ceilings };
}

await save();
if (parts.has('load')) {
  const loads = [];
  for (const engine of engines) {
    const child = await runNode<{ coldSeconds: number; warmSeconds: number }>(RUN_TS, ['bench/model-load.ts', '--model', engineModel(engine), '--dtype', engine === 'fp32' ? 'fp32' : 'q8']);
    loads.push({ engine, command: child.command, ...child.result! });
    log(`load ${engine}: cold ${child.result!.coldSeconds.toFixed(2)} s, warm ${child.result!.warmSeconds.toFixed(2)} s`);
  }
  results.parts.load = { ...stamp(), loads };
}

await save();
if (parts.has('int8')) {
  // Over the full set for engines the full part ran, else over the rounds' subset.
  const agreements: Agreement[] = [];
  for (const engine of engines.filter((e) => e !== 'fp32')) {
    const fromFull = parts.has('full') && fullEngines.includes(engine);
    const [prefix, input] = fromFull ? ['full', results.parts.full!.file] : ['subset', results.parts.rounds?.file ?? ''];
    const [fp32, q8] = [join(work, `${prefix}-fp32.npy`), join(work, `${prefix}-${engine}.npy`)];
    if (!existsSync(fp32) || !existsSync(q8)) continue;
    agreements.push(await agreement(engine, fp32, q8, input));
  }
  if (agreements.length) results.parts.int8 = { ...stamp(), agreements };
}

await save();
if (parts.has('agreement')) {
  // The fp32 features of dev_matched from the last full part (the encoder's fp32 output changes only with
  // the encoder); the int8 features are embedded again, so a new quantized form is measured in minutes.
  const fp32 = join(work, 'full-fp32.npy');
  if (!existsSync(fp32)) throw new Error(`--parts agreement needs ${fp32}: run --parts full (with fp32) first`);
  const agreements: Agreement[] = [];
  for (const engine of fullEngines.filter((e): e is Int8Engine => e !== 'fp32')) {
    const q8 = join(work, `full-${engine}.npy`);
    const embed = await runNode(CLI, embedArgs(engine, dataFile, q8));
    log(`${engine}: embedded ${full.pairs} pairs in ${embed.wallSeconds.toFixed(0)} s`);
    agreements.push({ ...(await agreement(engine, fp32, q8, dataFile)), embedCommand: embed.command });
  }
  results.parts.int8 = { ...stamp(), agreements };
}

await save();
if (parts.has('heads')) {
  const child = await runNode<NonNullable<BenchResults['parts']['heads']>>(RUN_TS, ['bench/head-throughput.ts', '--rows', String(headRows), ...(quick ? ['--rounds', '1', '--round-seconds', '5'] : [])]);
  results.parts.heads = { ...child.result!, ...stamp(), command: child.command };
  log(child.stdout.trim().split('\n').slice(1, -1).join(' | '));
}

await save();
if (parts.has('rss')) {
  // 100k pairs through a 12-layer model take hours here; the pipeline's memory is measured with a 1-layer
  // model of bert-base width and a 64-wide FFN (same tokenizer, same 768-wide output; ~35x cheaper per
  // token) at 9,815 and at 100k pairs.
  const shallow = await ensureBenchModel(tokenizerDir, 1, RSS_FFN);
  const repeated = await writeRepeated(dataFile, join(work, `dev-repeated-${rssPairs}.tsv`), rssPairs);
  const runs = [];
  for (const [input, pairs] of [[dataFile, full.pairs], [repeated, rssPairs]] as const) {
    const output = join(work, 'rss.npy');
    const child = await runNode(CLI, ['embed', '--model', shallow, '--input', input, '--output', output, '--device', 'cpu']);
    await rm(output, { force: true });
    runs.push({ pairs, command: child.command, wallSeconds: child.wallSeconds, peakRssBytes: child.peakRssBytes });
    log(`rss: ${pairs} pairs (1 layer, FFN ${RSS_FFN}): peak ${((child.peakRssBytes ?? 0) / 2 ** 30).toFixed(2)} GiB in ${child.wallSeconds.toFixed(0)} s`);
  }
  results.parts.rss = { ...stamp(), layers: 1, intermediate: RSS_FFN, runs };
}

await save();
if (parts.has('rss-int8')) {
  // The whole 12-layer model over 100k pairs, int8: the fp32 model's 80 minutes are out of reach here,
  // int8 runs the same pipeline (tokenizing windows, length sorting, streaming to the .npy) in ~30.
  const repeated = await writeRepeated(dataFile, join(work, `dev-repeated-${rssPairs}.tsv`), rssPairs);
  const output = join(work, 'rss-int8.npy');
  const child = await runNode(CLI, embedArgs('int8', repeated, output));
  await rm(output, { force: true });
  results.parts.rssInt8 = { ...stamp(), pairs: rssPairs, command: child.command, wallSeconds: child.wallSeconds, peakRssBytes: child.peakRssBytes };
  log(`rss-int8: ${rssPairs} pairs (12 layers, int8): peak ${((child.peakRssBytes ?? 0) / 2 ** 30).toFixed(2)} GiB in ${child.wallSeconds.toFixed(0)} s`);
}

await save();
log(`wrote ${values.out} (raw results: ${resultsFile})`);

async function agreement(engine: Int8Engine, fp32: string, q8: string, input: string): Promise<Agreement> {
  const child = await runNode<Omit<Agreement, 'engine' | 'command' | 'file'>>(RUN_TS, ['bench/int8-agreement.ts', '--fp32', fp32, '--int8', q8, '--input', input]);
  log(`${engine}: ${child.stdout.split('\n')[0]}`);
  return { engine, command: child.command, file: input, ...child.result! };
}

/** Merges this run's parts into the results file as it is now (another `--parts` run may have written other parts) and rewrites the report. */
async function save(): Promise<void> {
  const merged: BenchResults = existsSync(resultsFile) ? JSON.parse(await readFile(resultsFile, 'utf8')) : { parts: {} };
  Object.assign(merged.parts, results.parts);
  merged.int8Note = results.int8Note;
  await writeFile(resultsFile, JSON.stringify(merged, null, 1));
  await writeReport(values.out!, merged, { quick, argv: process.argv.slice(2), replace: values['replace-report'] });
}
