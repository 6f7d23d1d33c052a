/** Checkpoints with seeded random heads, and the exported model's view of inputs, for the export-onnx tests. */
import { AutoModelForSequenceClassification, AutoTokenizer, pipeline, softmax } from '@huggingface/transformers';
import type { BackboneReference, Pooling, TextInput } from '../../src/core/index.ts';
import { saveCheckpoint } from '../../src/checkpoint/save.ts';
import { initTf } from '../../src/heads/backend.ts';
import type { HeadConfig } from '../../src/heads/config.ts';
import { Head } from '../../src/heads/head.ts';
import { Rng } from '../../src/core/index.ts';

export const LABELS = ['entailment', 'neutral', 'contradiction'];

export interface RandomCheckpoint {
  dir: string;
  backbone: BackboneReference | null;
  pooling: Pooling | null;
  maxLength: number | null;
  head: HeadConfig;
  inputDim: number;
  seed: number;
}

/** A checkpoint whose head has seeded random weights (PyTorch nn.Linear init): what training would save, minus the training. */
export async function saveRandomCheckpoint(c: RandomCheckpoint): Promise<string> {
  await initTf('cpu');
  const head = Head.create({ ...c.head, inputDim: c.inputDim, numClasses: LABELS.length }, new Rng(c.seed));
  await saveCheckpoint(c.dir, {
    head,
    labelNames: LABELS,
    source: { backbone: c.backbone, pooling: c.pooling, maxLength: c.maxLength },
    training: null,
    metrics: null,
    epoch: 0,
    step: 0,
    tfBackend: 'cpu',
  });
  head.dispose();
  return c.dir;
}

/**
 * Class probabilities (in LABELS order) and top labels from an exported folder, the way a user would get
 * them: single texts through `pipeline('text-classification')`; pairs, which that pipeline does not take,
 * through the same folder's tokenizer (text_pair) and AutoModelForSequenceClassification.
 */
export async function exportedPredictions(dir: string, inputs: TextInput[]): Promise<{ labels: string[]; probabilities: number[][] }> {
  if (inputs.every((i) => i.textPair === undefined)) {
    const classify = await pipeline('text-classification', dir, { dtype: 'fp32' });
    try {
      const out = (await classify(inputs.map((i) => i.text), { top_k: null })) as { label: string; score: number }[][];
      return {
        labels: out.map((scores) => scores[0].label),
        probabilities: out.map((scores) => LABELS.map((label) => scores.find((s) => s.label === label)!.score)),
      };
    } finally {
      await classify.dispose();
    }
  }
  if (inputs.some((i) => i.textPair === undefined)) throw new Error('give either single texts or pairs');
  const tokenizer = await AutoTokenizer.from_pretrained(dir);
  const model = await AutoModelForSequenceClassification.from_pretrained(dir, { dtype: 'fp32' });
  try {
    const encoded = tokenizer(inputs.map((i) => i.text), { text_pair: inputs.map((i) => i.textPair!), padding: true, truncation: true });
    const { logits } = await model(encoded);
    const [rows, classes] = logits.dims as number[];
    const data = logits.data as Float32Array;
    const probabilities = Array.from({ length: rows }, (_, r) => softmax(Array.from(data.subarray(r * classes, (r + 1) * classes))) as number[]);
    const id2label = (model.config as unknown as { id2label: Record<string, string> }).id2label;
    return { labels: probabilities.map((p) => id2label[p.indexOf(Math.max(...p))]), probabilities };
  } finally {
    await model.dispose();
  }
}

/** Largest absolute difference between two sets of probability rows. */
export function maxDifference(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  expectSameShape(a, b);
  let max = 0;
  a.forEach((row, i) => Array.from(row).forEach((v, c) => (max = Math.max(max, Math.abs(v - b[i][c])))));
  return max;
}

function expectSameShape(a: ArrayLike<number>[], b: ArrayLike<number>[]): void {
  if (a.length !== b.length || a.some((row, i) => row.length !== b[i].length)) throw new Error('probability tables differ in shape');
}
