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

/** Cosine similarity of each row of a with the same row of b. */
export function rowCosines(a: FeatureMatrix, b: FeatureMatrix): Float64Array {
  if (a.rows !== b.rows || a.dim !== b.dim) throw new Error(`shapes differ: [${a.rows}, ${a.dim}] vs [${b.rows}, ${b.dim}]`);
  const out = new Float64Array(a.rows);
  for (let r = 0; r < a.rows; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let h = r * a.dim; h < (r + 1) * a.dim; h++) {
      dot += a.data[h] * b.data[h];
      na += a.data[h] * a.data[h];
      nb += b.data[h] * b.data[h];
    }
    out[r] = dot / Math.sqrt(na * nb);
  }
  return out;
}

function argmaxRows(probabilities: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(probabilities.length / classes);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[r * classes + c] > probabilities[r * classes + best]) best = c;
    out[r] = best;
  }
  return out;
}

async function readMatrix(path: string): Promise<FeatureMatrix> {
  const { data, shape } = decodeNpy(await readFile(path));
  return { rows: shape[0], dim: shape[1], data };
}

if (process.argv[1] === import.meta.filename) {
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
  const agreement = fromFp32.reduce((same, p, i) => same + (p === fromInt8[i] ? 1 : 0), 0) / fromFp32.length;
  head.dispose();
  console.log(`int8 vs fp32 over ${fp32.rows} rows: CLS cosine mean ${meanCosine.toFixed(5)}, min ${minCosine.toFixed(5)}; head agreement ${(agreement * 100).toFixed(2)}%`);
  console.log(`RESULT ${JSON.stringify({ rows: fp32.rows, meanCosine, minCosine, agreement })}`);
}
