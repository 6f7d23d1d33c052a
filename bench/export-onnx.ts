/**
 * export-onnx on a bert-base-size model (random weights, real bert-base-cased tokenizer): time and peak
 * RSS of the export process with the backbone unchanged and with the top K layers replaced, then the
 * exported model through Transformers.js against `predict` on MNLI dev-matched inputs.
 *
 *   node bin/run-ts.js bench/export-onnx.ts [--override-top 0,2,12] [--inputs 16]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { transferKitCacheDir } from '../src/backbones/identity.ts';
import { localIdentity } from '../src/backbones/load.ts';
import type { TextInput } from '../src/core/index.ts';
import { loadTextDataset } from '../src/data/index.ts';
import { TransferModel } from '../src/model/transfer-model.ts';
import { exportedPredictions, maxDifference, saveRandomCheckpoint } from '../test/export/onnx-fixtures.ts';
import { ensureBenchModel, sharedBenchFiles } from './bert-base-model.ts';

const { values } = parseArgs({ options: { 'override-top': { type: 'string', default: '0,2' }, inputs: { type: 'string', default: '16' } } });
const { tokenizerDir, dataFile } = sharedBenchFiles();
const modelDir = await ensureBenchModel(tokenizerDir);
const scratch = join(transferKitCacheDir(), 'bench', 'export-onnx');
const backbone = { model: modelDir, identity: await localIdentity(modelDir, 'onnx/model.onnx'), dim: 768 };
const checkpoint = await saveRandomCheckpoint({ dir: join(scratch, 'checkpoint'), backbone, pooling: 'mean', maxLength: 128, head: { type: 'mlp', hidden: [256], activation: 'gelu', dropout: 0.1 }, inputDim: 768, seed: 5 });
console.log(`model: ${modelDir} (bert-base size, random weights); head MLP 256 gelu, mean pooling`);

const frozenOut = join(scratch, 'exported-0');
for (const top of values['override-top']!.split(',').map(Number)) {
  const out = join(scratch, `exported-${top}`);
  const line = execFileSync(process.execPath, [join(import.meta.dirname, '../bin/run-ts.js'), join(import.meta.dirname, 'export-onnx-run.ts'), checkpoint, out, '--override-top', String(top), '--backbone', modelDir], { encoding: 'utf8' });
  const r = JSON.parse(line.trim().split('\n').pop()!);
  console.log(`export, top ${top} layers replaced (${r.overridden} initializers): ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMB.toFixed(0)} MB, onnx/model.onnx ${(r.bytes / 1e6).toFixed(1)} MB`);
  if (out !== frozenOut) await rm(out, { recursive: true, force: true });
}

if (existsSync(frozenOut)) {
  const dataset = await loadTextDataset(dataFile, { maxSamples: Number(values.inputs), requireLabels: false });
  const pairs: TextInput[] = dataset.texts.map((text, i) => ({ text, textPair: dataset.textPairs?.[i] }));
  const singles: TextInput[] = dataset.texts.map((text) => ({ text }));
  const model = await TransferModel.loadFromCheckpoint(checkpoint, { device: 'cpu' });
  for (const [name, inputs] of [['single texts (pipeline)', singles], ['pairs (AutoModelForSequenceClassification)', pairs]] as const) {
    const expected = await model.predict(inputs);
    const got = await exportedPredictions(frozenOut, inputs);
    const agree = got.labels.filter((label, i) => label === expected.labels[i]).length;
    console.log(`exported vs predict, ${inputs.length} ${name}: labels agree ${agree}/${inputs.length}, max |Δp| ${maxDifference(got.probabilities, expected.probabilities).toExponential(2)}`);
  }
  await model.dispose();
}
await rm(scratch, { recursive: true, force: true });
