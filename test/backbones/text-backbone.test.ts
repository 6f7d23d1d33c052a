import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AutoModel } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadTextBackbone } from '../../src/backbones/load.ts';
import type { TextInput } from '../../src/core/index.ts';
import type { TextBackbone } from '../../src/backbones/types.ts';
import { padBatch, type PaddedBatch } from '../../src/encode/batch.ts';
import { loadReferenceBert, referenceForward, type ReferenceBert } from '../helpers/reference-bert.ts';
import { scratchDir, tinyModelDir } from '../helpers/tiny-model.ts';

const INPUTS: TextInput[] = [
  { text: 'The cat sat on the mat, quietly.', textPair: 'A cat is sitting.' },
  { text: 'Short one.', textPair: 'Longer hypothesis with several more words in it!' },
  { text: 'A single text without a pair' },
  { text: 'x', textPair: 'y' },
];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

const rows = (values: BigInt64Array, batch: PaddedBatch) =>
  Array.from({ length: batch.batch }, (_, r) => Array.from(values.subarray(r * batch.seq, (r + 1) * batch.seq), Number));

describe('Transformers.js text backbone vs the float64 reference BERT (tiny model)', () => {
  let modelDir: string;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let backbone: TextBackbone;
  let reference: ReferenceBert;
  let batch: PaddedBatch;

  beforeAll(async () => {
    scratch = await scratchDir('transferkit-backbone-');
    process.env.TRANSFERKIT_CACHE = scratch.dir; // derived models and hash records stay out of ~/.cache
    modelDir = await tinyModelDir();
    backbone = await loadTextBackbone(modelDir, { device: 'cpu' });
    reference = await loadReferenceBert(modelDir);
    batch = padBatch(backbone.encodeInputs(INPUTS, 64), backbone.tokenizer.padId);
  });
  afterAll(async () => {
    await backbone?.dispose();
    await scratch?.cleanup();
  });

  it('records the device and the model shape', () => {
    expect(backbone.device).toBe('cpu');
    expect(backbone.config).toEqual({ hiddenSize: 32, numLayers: 2, numHeads: 4, maxPositions: 512 });
    expect(backbone.dim).toBe(32);
    expect(backbone.identity).toMatch(/^local:sha256:[0-9a-f]{64}$/);
    expect(backbone.reference).toMatchObject({ model: modelDir, identity: backbone.identity, dim: 32 });
  });

  it('last_hidden_state and every attention map match the reference within 1e-4 on a padded batch', async () => {
    expect(new Set(batch.lengths).size).toBeGreaterThan(1); // the batch really is padded
    const ours = await backbone.forward(batch, { attentions: true });
    const ref = referenceForward(reference, {
      inputIds: rows(batch.inputIds, batch),
      attentionMask: rows(batch.attentionMask, batch),
      tokenTypeIds: rows(batch.tokenTypeIds, batch),
    });
    expect(maxAbsDiff(ours.lastHiddenState, ref.lastHiddenState)).toBeLessThanOrEqual(1e-4);
    expect(ours.attentions).toHaveLength(2);
    ours.attentions!.forEach((map, layer) => expect(maxAbsDiff(map, ref.attentions[layer])).toBeLessThanOrEqual(1e-4));
  });

  it('attention rows sum to 1 and padded keys get exactly 0', async () => {
    const { attentions } = await backbone.forward(batch, { attentions: true });
    const { seq } = batch;
    for (const map of attentions!) {
      for (let r = 0; r < batch.batch; r++) {
        for (let h = 0; h < 4; h++) {
          for (let i = 0; i < seq; i++) {
            const row = map.subarray(((r * 4 + h) * seq + i) * seq, ((r * 4 + h) * seq + i + 1) * seq);
            expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
            for (let j = batch.lengths[r]; j < seq; j++) expect(row[j]).toBe(0);
          }
        }
      }
    }
  });

  it('cls and mean pooling equal the reference [CLS] row and masked mean, in input order', async () => {
    const ref = referenceForward(reference, {
      inputIds: rows(batch.inputIds, batch),
      attentionMask: rows(batch.attentionMask, batch),
      tokenTypeIds: rows(batch.tokenTypeIds, batch),
    });
    const cls = await backbone.extract(INPUTS, { pooling: 'cls', maxLength: 64, batchSize: 3 });
    const mean = await backbone.extract(INPUTS, { pooling: 'mean', maxLength: 64, batchSize: 3 });
    const H = 32;
    for (let r = 0; r < INPUTS.length; r++) {
      const base = r * batch.seq * H;
      expect(maxAbsDiff(cls.data.subarray(r * H, (r + 1) * H), ref.lastHiddenState.subarray(base, base + H))).toBeLessThanOrEqual(1e-4);
      const expected = new Float64Array(H);
      for (let t = 0; t < batch.lengths[r]; t++) for (let h = 0; h < H; h++) expected[h] += ref.lastHiddenState[base + t * H + h] / batch.lengths[r];
      expect(maxAbsDiff(mean.data.subarray(r * H, (r + 1) * H), expected)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('attend returns tokens, the sentence B start and [heads, seq, seq] maps', async () => {
    const result = await backbone.attend({ text: 'hello world', textPair: 'x y' }, 32);
    expect(result.tokens[0]).toBe('[CLS]');
    expect(result.tokens.at(-1)).toBe('[SEP]');
    expect(result.tokens[result.sentenceBStart! - 1]).toBe('[SEP]');
    const seq = result.tokens.length;
    expect(result.layers.map((l) => l.length)).toEqual([4 * seq * seq, 4 * seq * seq]);
  });

  it('keeps the derived attention model in the TransferKit cache, never in the model folder', async () => {
    expect(await readdir(join(modelDir, 'onnx'))).toEqual(['model.onnx']);
    const derived = await readdir(join(scratch.dir, 'derived'));
    expect(derived).toHaveLength(1);
    expect(await readdir(join(scratch.dir, 'derived', derived[0], 'onnx'))).toEqual(['model_attentions.onnx']);
  });

  it('bucketing on and off give the same embeddings in input order, with fewer forward passes than inputs', async () => {
    const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu'.split(' ');
    const many: TextInput[] = Array.from({ length: 40 }, (_, i) => ({
      text: words.slice(0, 1 + ((i * 7) % 12)).join(' '),
      textPair: i % 3 === 0 ? undefined : words.slice((i * 5) % 12).join(' '),
    }));
    const before = backbone.forwardCalls;
    const bucketed = await backbone.extract(many, { pooling: 'mean', maxLength: 32, batchSize: 8 });
    expect(backbone.forwardCalls - before).toBe(5);
    const plain = await backbone.extract(many, { pooling: 'mean', maxLength: 32, batchSize: 8, bucketing: false });
    expect(maxAbsDiff(bucketed.data, plain.data)).toBeLessThanOrEqual(1e-5);
    const one = await backbone.extract([many[17]], { pooling: 'mean', maxLength: 32 });
    expect(maxAbsDiff(bucketed.data.subarray(17 * 32, 18 * 32), one.data)).toBeLessThanOrEqual(1e-5);
  });

  it('reports progress up to the total', async () => {
    const seen: Array<[number, number]> = [];
    await backbone.extract(INPUTS, { pooling: 'cls', maxLength: 16, batchSize: 2, onProgress: (d, t) => seen.push([d, t]) });
    expect(seen).toEqual([[0, 4], [2, 4], [4, 4]]);
  });

  it('rejects a max length beyond the model positions', async () => {
    await expect(backbone.extract(INPUTS, { pooling: 'cls', maxLength: 513 })).rejects.toThrow(/exceeds the model's 512 positions/);
  });

  it('names the file a local model folder lacks (an image model has no tokenizer.json), as bad --model input', async () => {
    const imageModel = join(scratch.dir, 'image-model');
    await mkdir(join(imageModel, 'onnx'), { recursive: true });
    await copyFile(join(modelDir, 'config.json'), join(imageModel, 'config.json'));
    await copyFile(join(modelDir, 'onnx/model.onnx'), join(imageModel, 'onnx/model.onnx'));
    await expect(loadTextBackbone(imageModel, { device: 'cpu' })).rejects.toMatchObject({
      kind: 'input',
      line: `--model: model folder ${imageModel} has no tokenizer.json (a Transformers.js text model folder needs config.json, tokenizer.json and onnx/model.onnx)`,
    });
  });

  it('with attentions loads only the attention model; the plain one loads on the first plain forward', async () => {
    const loads = vi.spyOn(AutoModel, 'from_pretrained');
    try {
      const attending = await loadTextBackbone(modelDir, { device: 'cpu', attentions: true });
      const fileNames = () => loads.mock.calls.map(([, options]) => options?.model_file_name ?? 'model');
      expect(fileNames()).toEqual(['model_attentions']); // one ONNX session's weights in memory, not two
      expect((await attending.attend(INPUTS[0], 64)).layers).toEqual((await backbone.attend(INPUTS[0], 64)).layers);
      const features = await attending.extract(INPUTS, { pooling: 'mean', maxLength: 64 });
      expect(fileNames()).toEqual(['model_attentions', 'model']);
      expect(features.data).toEqual((await backbone.extract(INPUTS, { pooling: 'mean', maxLength: 64 })).data);
      await attending.dispose();
    } finally {
      loads.mockRestore();
    }
  });

  it('refuses a revision for a local folder instead of ignoring it', async () => {
    await expect(loadTextBackbone(modelDir, { device: 'cpu', revision: 'v2' })).rejects.toMatchObject({
      kind: 'usage',
      line: `--revision: applies only to hub models; ${modelDir} is a local folder`,
    });
  });

  it('gives the same identity on reload (hash cached by path, size and mtime)', async () => {
    const again = await loadTextBackbone(modelDir, { device: 'cpu' });
    expect(again.identity).toBe(backbone.identity);
    expect((await readdir(join(scratch.dir, 'file-hashes'))).length).toBeGreaterThanOrEqual(1);
    await again.dispose();
  });
});
