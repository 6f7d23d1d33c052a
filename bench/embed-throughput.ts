/**
 * Embedding throughput on a bert-base-size model (12 layers, 768 hidden, 12 heads, 3072 FFN) with the
 * real bert-base-cased tokenizer: the first N pairs of MNLI dev-matched, with and without length
 * bucketing. The random-weight model costs exactly what the real one costs to run.
 *
 *   node bin/run-ts.js bench/embed-throughput.ts [--pairs 1000] [--max-length 128] [--batch-size 32] [--device cpu]
 *
 * The model is generated once into $TRANSFERKIT_CACHE/bench (default ~/.cache/transferkit/bench).
 */
import { parseArgs } from 'node:util';
import { loadTextBackbone } from '../src/backbones/load.ts';
import type { DeviceChoice, TextInput } from '../src/core/index.ts';
import { paddingFraction, planBatches } from '../src/encode/bucketing.ts';
import { loadTextDataset } from '../src/data/index.ts';
import { WINDOW_ROWS } from '../src/backbones/text-extract.ts';
import { ensureBenchModel, sharedBenchFiles } from './bert-base-model.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '1000' },
    'max-length': { type: 'string', default: '128' },
    'batch-size': { type: 'string', default: '32' },
    device: { type: 'string', default: 'cpu' },
  },
});
const pairs = Number(values.pairs);
const maxLength = Number(values['max-length']);
const batchSize = Number(values['batch-size']);

const { tokenizerDir, dataFile } = sharedBenchFiles();
const modelDir = await ensureBenchModel(tokenizerDir);
const dataset = await loadTextDataset(dataFile, { maxSamples: pairs, requireLabels: false });
const inputs: TextInput[] = dataset.texts.map((text, i) => ({ text, textPair: dataset.textPairs?.[i] }));

const backbone = await loadTextBackbone(modelDir, { device: values.device as DeviceChoice });
console.log(`model: bert-base-size random weights (${modelDir}), device ${backbone.device}${backbone.deviceNote ? ` (${backbone.deviceNote})` : ''}`);
console.log(`data: first ${inputs.length} pairs of ${dataFile}; max length ${maxLength}, batch size ${batchSize}`);

const lengths = backbone.encodeInputs(inputs, maxLength).map((e) => e.ids.length);
// Warm-up: the first runs pay for ONNX Runtime's kernel setup.
await backbone.extract(inputs.slice(0, batchSize), { pooling: 'cls', maxLength, batchSize });

const results: Record<string, Float32Array> = {};
for (const bucketing of [true, false]) {
  // The plan extraction makes: sorted within windows of WINDOW_ROWS inputs.
  const padding = paddingFraction(lengths, planBatches(lengths, { batchSize, bucketing, windowBatches: WINDOW_ROWS / batchSize }));
  const started = performance.now();
  const features = await backbone.extract(inputs, { pooling: 'cls', maxLength, batchSize, bucketing });
  const seconds = (performance.now() - started) / 1000;
  results[String(bucketing)] = features.data;
  console.log(
    `bucketing ${bucketing ? 'on ' : 'off'}: ${(inputs.length / seconds).toFixed(1)} pairs/s ` +
      `(${seconds.toFixed(1)} s, padding ${(padding * 100).toFixed(1)}% of token slots)`,
  );
}
let maxDiff = 0;
results.true.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - results.false[i]))));
console.log(`max |bucketed - unbucketed| over all embeddings: ${maxDiff.toExponential(2)}`);
console.log(`mean tokens per pair: ${(lengths.reduce((a, b) => a + b, 0) / lengths.length).toFixed(1)}`);
await backbone.dispose();
