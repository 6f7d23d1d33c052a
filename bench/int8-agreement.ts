/**
 * How far int8 features are from fp32 ones on the same rows: cosine of each row's CLS vector (mean and
 * minimum), and agreement of a linear head's predictions, trained on the fp32 features with the gold
 * labels, when it reads the int8 features instead. The head is trained once per seed: on the generated
 * (random-weight) bench model the agreement moves by a few points with the head's seed alone, so the
 * figure is the mean over seeds, with the spread.
 *
 *   node bin/run-ts.js bench/int8-agreement.ts --fp32 A.npy --int8 B.npy --input FILE [--epochs 5] [--seeds 1,2,3,4,5]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decodeNpy } from '../src/export/npy.ts';
import { loadTextDataset } from '../src/data/index.ts';
import { defaultTrainConfig, fit, predictProbabilities } from '../src/train/index.ts';
import type { FeatureMatrix } from '../src/core/index.ts';
import { agreementRate, argmaxRows, rowCosines } from '../src/features/agreement.ts';

const DEFAULT_AGREEMENT_SEEDS = '1,2,3,4,5';

async function readMatrix(path: string): Promise<FeatureMatrix> {
  const { data, shape } = decodeNpy(await readFile(path));
  return { rows: shape[0], dim: shape[1], data };
}

const { values } = parseArgs({
  options: { fp32: { type: 'string' }, int8: { type: 'string' }, input: { type: 'string' }, epochs: { type: 'string', default: '5' }, seeds: { type: 'string', default: DEFAULT_AGREEMENT_SEEDS } },
});
const [fp32, int8] = [await readMatrix(values.fp32!), await readMatrix(values.int8!)];
const cosines = rowCosines(fp32, int8);
const meanCosine = cosines.reduce((a, b) => a + b, 0) / cosines.length;
const minCosine = cosines.reduce((a, b) => Math.min(a, b), Infinity);
const dataset = await loadTextDataset(values.input!, {});
const labels = dataset.labels!;
const classes = dataset.labelNames.length;
const seeds = values.seeds!.split(',').map(Number);
const bySeed: { seed: number; agreement: number; accuracy: number }[] = [];
for (const seed of seeds) {
  const { head } = await fit({
    train: { features: fp32, labels },
    validation: {},
    labelNames: dataset.labelNames,
    head: { type: 'linear' },
    config: { ...defaultTrainConfig(), epochs: Number(values.epochs), seed, saveBest: false, saveLast: false },
  });
  const [fromFp32, fromInt8] = [argmaxRows(await predictProbabilities(head, fp32), classes), argmaxRows(await predictProbabilities(head, int8), classes)];
  head.dispose();
  const accuracy = agreementRate(fromFp32, labels);
  bySeed.push({ seed, agreement: agreementRate(fromFp32, fromInt8), accuracy });
  console.error(`seed ${seed}: head accuracy on fp32 ${(accuracy * 100).toFixed(1)}%, int8 agreement ${(bySeed.at(-1)!.agreement * 100).toFixed(2)}%`);
}
const agreements = bySeed.map((s) => s.agreement);
const agreement = agreements.reduce((a, b) => a + b, 0) / agreements.length;
const [minAgreement, maxAgreement] = [Math.min(...agreements), Math.max(...agreements)];
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
console.log(
  `int8 vs fp32 over ${fp32.rows} rows: CLS cosine mean ${meanCosine.toFixed(5)}, min ${minCosine.toFixed(5)}; ` +
    `head agreement ${pct(agreement)} mean over ${seeds.length} seed(s) (${pct(minAgreement)}–${pct(maxAgreement)})`,
);
console.log(`RESULT ${JSON.stringify({ rows: fp32.rows, meanCosine, minCosine, agreement, minAgreement, maxAgreement, bySeed })}`);
