/**
 * What `transferkit embed` keeps for the whole run besides one window: the loaded dataset (its texts)
 * and the inputs list. Prints the V8 heap retained after loading (forced GC) and the process peak RSS.
 * Tokenized ids and features live one window (4,096 rows) at a time (src/backbones/text-extract.ts).
 *
 *   node --expose-gc bin/run-ts.js bench/dataset-memory.ts FILE
 */
import { datasetInputs, loadTextDataset } from '../src/data/index.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const heapMiB = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const before = heapMiB();
const dataset = await loadTextDataset(process.argv[2]!, { ignoreLabels: true });
const inputs = datasetInputs(dataset);
const retained = heapMiB() - before;
const textBytes = inputs.reduce((sum, input) => sum + input.text.length + (input.textPair?.length ?? 0), 0);
console.log(
  `${inputs.length} rows: heap retained by the dataset + inputs ${retained.toFixed(1)} MiB ` +
    `(${((retained * 2 ** 20) / inputs.length).toFixed(0)} B/row; text ${(textBytes / 2 ** 20).toFixed(1)} MiB in characters); ` +
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
