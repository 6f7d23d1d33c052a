/**
 * The baseline TransferKit must beat: what a Transformers.js user writes by hand. AutoTokenizer +
 * AutoModel, every pair padded to 128 tokens, batches of 32 in file order, the [CLS] row kept. Run as its
 * own process by bench/run.ts, so its load time and memory are its own.
 *
 *   node bin/run-ts.js bench/naive-transformersjs.ts --model DIR --input FILE [--pairs N] [--output OUT.npy]
 *
 * Prints `RESULT {json}`: pairs, seconds (load and loop), padding fraction.
 */
import { parseArgs } from 'node:util';
import { AutoModel, AutoTokenizer, env, type Tensor } from '@huggingface/transformers';
import { loadTextDataset } from '../src/data/index.ts';
import { writeNpy } from '../src/export/npy.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    input: { type: 'string' },
    pairs: { type: 'string' },
    output: { type: 'string' },
  },
});
const MAX_LENGTH = 128;
const BATCH = 32;
const processStart = performance.now();
env.allowRemoteModels = false;
env.allowLocalModels = true;
const dataset = await loadTextDataset(values.input!, { maxSamples: values.pairs ? Number(values.pairs) : undefined, requireLabels: false });
const premises = dataset.texts;
const hypotheses = dataset.textPairs!;

const loadStart = performance.now();
const tokenizer = await AutoTokenizer.from_pretrained(values.model!, { local_files_only: true });
const model = await AutoModel.from_pretrained(values.model!, { local_files_only: true, dtype: 'fp32', device: 'cpu' });
const loadSeconds = (performance.now() - loadStart) / 1000;

const loopStart = performance.now();
const hidden = (model.config as unknown as { hidden_size: number }).hidden_size;
const cls = new Float32Array(premises.length * hidden);
let realTokens = 0;
for (let start = 0; start < premises.length; start += BATCH) {
  const end = Math.min(premises.length, start + BATCH);
  const inputs = tokenizer(premises.slice(start, end), { text_pair: hypotheses.slice(start, end), padding: 'max_length', max_length: MAX_LENGTH, truncation: true });
  for (const v of (inputs.attention_mask as Tensor).data as BigInt64Array) realTokens += Number(v);
  const { last_hidden_state } = (await model(inputs)) as { last_hidden_state: Tensor };
  const data = last_hidden_state.data as Float32Array;
  for (let r = 0; r < end - start; r++) cls.set(data.subarray(r * MAX_LENGTH * hidden, r * MAX_LENGTH * hidden + hidden), (start + r) * hidden);
}
const loopSeconds = (performance.now() - loopStart) / 1000;
if (values.output) await writeNpy(values.output, cls, [premises.length, hidden]);
await model.dispose();
const result = {
  pairs: premises.length,
  loadSeconds,
  loopSeconds,
  processSeconds: (performance.now() - processStart) / 1000,
  realTokens,
  paddingFraction: 1 - realTokens / (premises.length * MAX_LENGTH),
};
console.log(`naive: ${premises.length} pairs, ${(premises.length / loopSeconds).toFixed(1)} pairs/s in the loop, load ${loadSeconds.toFixed(1)} s`);
console.log(`RESULT ${JSON.stringify(result)}`);
