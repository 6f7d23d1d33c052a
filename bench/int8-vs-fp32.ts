/**
 * int8 against fp32 on the bert-base-size generated model: pairs/s of `extract` over the first pairs of
 * ../shared/data/mnli/dev_matched.tsv, fp32 and both quantized forms (integer: DynamicQuantizeLinear +
 * MatMulInteger; fused: com.microsoft DynamicQuantizeMatMul), in one process, interleaved round by round
 * (the order rotates), with the CLS cosine int8 vs fp32 over the same pairs.
 *
 *   node bin/run-ts.js bench/int8-vs-fp32.ts [--pairs 256] [--rounds 3] [--batch-size 32] [--max-length 128]
 *
 * The full benchmark (naive baseline, ceilings, BENCHMARKS.md) is `npm run bench`; this one answers
 * "how much faster is int8 here, and which quantized form".
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadTextBackbone } from '../src/backbones/load.ts';
import type { QuantizedForm } from '../src/backbones/onnx/quantize.ts';
import { quantizeModel, QUANTIZED_MODEL_FILE } from '../src/backbones/quantize-model.ts';
import type { TextBackbone } from '../src/backbones/types.ts';
import { loadTextDataset } from '../src/data/index.ts';
import { rowCosines } from '../src/features/agreement.ts';
import { tempSibling } from '../src/io/atomic.ts';
import { ensureBenchModel, sharedBenchFiles } from './bert-base-model.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '32' },
    'max-length': { type: 'string', default: '128' },
  },
});
const pairs = Number(values.pairs);
const rounds = Number(values.rounds);
const extract = { pooling: 'cls' as const, maxLength: Number(values['max-length']), batchSize: Number(values['batch-size']) };

/** The quantized copy of the bench model, made once beside it (temp folder + rename). */
async function ensureQuantized(fp32Dir: string, form: QuantizedForm): Promise<string> {
  const dir = `${fp32Dir}-q8-${form}`;
  if (existsSync(`${dir}/${QUANTIZED_MODEL_FILE}`)) return dir;
  const tmp = tempSibling(dir);
  try {
    const result = await quantizeModel(fp32Dir, tmp, { form });
    console.log(`quantized (${form}) into ${dir}: ${(result.bytesIn / 1e6).toFixed(0)} MB -> ${(result.bytesOut / 1e6).toFixed(0)} MB`);
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

const { tokenizerDir, dataFile } = sharedBenchFiles();
const fp32Dir = await ensureBenchModel(tokenizerDir);
const data = await loadTextDataset(dataFile, { maxSamples: pairs });
const inputs = data.texts.map((text, i) => ({ text, textPair: data.textPairs![i] }));

const variants: Array<{ name: string; backbone: TextBackbone }> = [
  { name: 'fp32', backbone: await loadTextBackbone(fp32Dir, { device: 'cpu' }) },
  { name: 'int8 integer', backbone: await loadTextBackbone(await ensureQuantized(fp32Dir, 'integer'), { device: 'cpu', dtype: 'q8' }) },
  { name: 'int8 fused', backbone: await loadTextBackbone(await ensureQuantized(fp32Dir, 'fused'), { device: 'cpu', dtype: 'q8' }) },
];
for (const v of variants) await v.backbone.extract(inputs.slice(0, extract.batchSize), extract); // warm-up: session plans

const speeds = new Map<string, number[]>(variants.map((v) => [v.name, []]));
const ratios = new Map<string, number[]>(variants.slice(1).map((v) => [v.name, []]));
const features = new Map<string, Awaited<ReturnType<TextBackbone['extract']>>>();
for (let round = 0; round < rounds; round++) {
  const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
  const thisRound = new Map<string, number>();
  for (const { name, backbone } of order) {
    const started = performance.now();
    const result = await backbone.extract(inputs, extract);
    const perSecond = inputs.length / ((performance.now() - started) / 1000);
    thisRound.set(name, perSecond);
    speeds.get(name)!.push(perSecond);
    features.set(name, result);
  }
  for (const name of ratios.keys()) ratios.get(name)!.push(thisRound.get(name)! / thisRound.get('fp32')!);
  console.log(`round ${round + 1}: ${[...thisRound].map(([name, s]) => `${name} ${s.toFixed(1)} pairs/s`).join(', ')}`);
}

const fmt = (xs: number[], digits = 1) => `best ${Math.max(...xs).toFixed(digits)} (range ${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
console.log(`\n${inputs.length} pairs of ${dataFile}, batch ${extract.batchSize}, max length ${extract.maxLength}, ${rounds} interleaved rounds:`);
for (const [name, xs] of speeds) console.log(`  ${name.padEnd(13)} pairs/s ${fmt(xs)}`);
for (const [name, xs] of ratios) console.log(`  ${name.padEnd(13)} / fp32 in the same round: ${fmt(xs, 2)}`);
for (const { name } of variants.slice(1)) {
  const cos = rowCosines(features.get('fp32')!, features.get(name)!);
  console.log(`  ${name.padEnd(13)} CLS cosine vs fp32: mean ${(cos.reduce((a, b) => a + b, 0) / cos.length).toFixed(6)}, min ${Math.min(...cos).toFixed(6)}`);
}
for (const { backbone } of variants) await backbone.dispose();
