/**
 * Where the forward pass spends its time: ONNX Runtime's profiler (session option enableProfiling) over
 * length-bucketed batches of MNLI dev-matched on the bert-base-size model, summed per operator type,
 * and the operator types of the graph after ONNX Runtime's optimisations (did the attention / GELU /
 * LayerNorm fusions apply?).
 *
 *   node bin/run-ts.js bench/profile.ts [--pairs 256] [--batch-size 32] [--level all] [--threads 0] [--model DIR] [--file model.onnx]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { padBatch } from '../src/encode/batch.ts';
import { planBatches } from '../src/encode/bucketing.ts';
import { encodeInput } from '../src/encode/pairs.ts';
import { loadWordPieceTokenizer } from '../src/encode/tokenizer.ts';
import { loadTextDataset } from '../src/data/index.ts';
import { kernelTimes, optimisedOps } from './ort-profile-file.ts';
import { ensureBenchModel, sharedBenchFiles } from './bert-base-model.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '256' },
    'batch-size': { type: 'string', default: '32' },
    level: { type: 'string', default: 'all' },
    threads: { type: 'string', default: '0' },
    model: { type: 'string' },
    file: { type: 'string', default: 'model.onnx' },
  },
});
const { tokenizerDir, dataFile } = sharedBenchFiles();
const modelDir = values.model ?? (await ensureBenchModel(tokenizerDir));
const tokenizer = await loadWordPieceTokenizer({ location: modelDir, offline: true });
const dataset = await loadTextDataset(dataFile, { maxSamples: Number(values.pairs), requireLabels: false });
const encoded = dataset.texts.map((text, i) => encodeInput(tokenizer, { text, textPair: dataset.textPairs?.[i] }, 128));
const batches = planBatches(encoded.map((e) => e.ids.length), { batchSize: Number(values['batch-size']) });

const work = await mkdtemp(join(tmpdir(), 'tk-profile-'));
const optimized = join(work, 'optimized.onnx');
const session = await ort.InferenceSession.create(join(modelDir, 'onnx', values.file!), {
  graphOptimizationLevel: values.level as 'all',
  intraOpNumThreads: Number(values.threads),
  enableProfiling: true,
  profileFilePrefix: join(work, 'profile'),
  optimizedModelFilePath: optimized,
});
const feeds = (rows: number[]) => {
  const b = padBatch(rows.map((i) => encoded[i]), tokenizer.padId);
  const dims = [b.batch, b.seq];
  return {
    input_ids: new ort.Tensor('int64', b.inputIds, dims),
    attention_mask: new ort.Tensor('int64', b.attentionMask, dims),
    token_type_ids: new ort.Tensor('int64', b.tokenTypeIds, dims),
  };
};
const started = performance.now();
for (const rows of batches) await session.run(feeds(rows));
const seconds = (performance.now() - started) / 1000;
session.endProfiling();
await session.release();
const { runTotal, perOp, kernelTotal } = await kernelTimes(work);
console.log(`${encoded.length} pairs in ${batches.length} batches: ${(encoded.length / seconds).toFixed(1)} pairs/s (level ${values.level}, threads ${values.threads})`);
console.log(`model_run ${(runTotal / 1e6).toFixed(2)} s, kernels ${(kernelTotal / 1e6).toFixed(2)} s (${((kernelTotal / runTotal) * 100).toFixed(0)}% of run)`);
for (const [op, us] of [...perOp].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${op.padEnd(28)} ${(us / 1e6).toFixed(2).padStart(7)} s  ${((us / kernelTotal) * 100).toFixed(1).padStart(5)}%`);
}
console.log(`optimised graph: ${await optimisedOps(optimized)}`);
await rm(work, { recursive: true, force: true });
