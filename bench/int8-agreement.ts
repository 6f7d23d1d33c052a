/**
 * How far int8 features are from fp32 ones on the same rows: cosine of each row's CLS vector (mean and
 * minimum), and agreement of one linear head's predictions, trained on the fp32 features with the gold
 * labels, when it reads the int8 features instead.
 *
 *   node bin/run-ts.js bench/int8-agreement.ts --fp32 A.npy --int8 B.npy --input FILE [--epochs 5]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decodeNpy } from '../src/export/npy.ts';
import { loadTextDataset } from '../src/data/index.ts';
import { defaultTrainConfig, fit, predictProbabilities } from '../src/train/index.ts';
import type { FeatureMatrix } from '../src/core/index.ts';
import { agreementRate, argmaxRows, rowCosines } from '../src/features/agreement.ts';

async function readMatrix(path: string): Promise<FeatureMatrix> {
  const { data, shape } = decodeNpy(await readFile(path));
  return { rows: shape[0], dim: shape[1], data };
}

const { values } = parseArgs({ options: { fp32: { type: 'string' }, int8: { type: 'string' }, input: { type: 'string' }, epochs: { type: 'string', default: '5' } } });
const [fp32, int8] = [await readMatrix(values.fp32!), await readMatrix(values.int8!)];
const cosines = rowCosines(fp32, int8);
const meanCosine = cosines.reduce((a, b) => a + b, 0) / cosines.length;
const minCosine = cosines.reduce((a, b) => Math.min(a, b), Infinity);
const dataset = await loadTextDataset(values.input!, {});
const labels = dataset.labels!;
const { head } = await fit({
  train: { features: fp32, labels },
  validation: {},
  labelNames: dataset.labelNames,
  head: { type: 'linear' },
  config: { ...defaultTrainConfig(), epochs: Number(values.epochs), saveBest: false, saveLast: false },
});
const classes = dataset.labelNames.length;
const [fromFp32, fromInt8] = [argmaxRows(await predictProbabilities(head, fp32), classes), argmaxRows(await predictProbabilities(head, int8), classes)];
const agreement = agreementRate(fromFp32, fromInt8);
head.dispose();
console.log(`int8 vs fp32 over ${fp32.rows} rows: CLS cosine mean ${meanCosine.toFixed(5)}, min ${minCosine.toFixed(5)}; head agreement ${(agreement * 100).toFixed(2)}%`);
console.log(`RESULT ${JSON.stringify({ rows: fp32.rows, meanCosine, minCosine, agreement })}`);
