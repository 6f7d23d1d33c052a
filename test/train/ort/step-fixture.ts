/**
 * A tiny generated BERT split at the top k layers, a head, and one padded batch of pairs: what the ort
 * engine's graph and the TF.js engine both compute a training step on, with the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import { loadTextBackbone } from '../../../src/backbones/load.ts';
import { SplitEncoder, type PreparedBatch, type UnfreezeTop } from '../../../src/backbones/split/split-encoder.ts';
import type { TextBackbone } from '../../../src/backbones/types.ts';
import { Rng } from '../../../src/core/index.ts';
import type { HeadSpec } from '../../../src/heads/config.ts';
import { Head } from '../../../src/heads/head.ts';
import { BACKBONE_OPTIMIZER_PREFIX } from '../../../src/train/checkpoints.ts';
import { crossEntropy } from '../../../src/train/loss.ts';
import { OrtEngine } from '../../../src/train/ort/ort-engine.ts';
import type { Differentiate } from '../../../src/train/ort/step-sessions.ts';
import { makeTestBert } from '../../helpers/tiny-model.ts';

export const HIDDEN = 32;
export const CLASSES = 3;

const PAIRS: [string, string][] = [
  ['the cat sat on the mat', 'a cat is sitting'],
  ['nobody came to the party last night', 'the party was full'],
  ['it rained', 'the ground is wet and the sky was grey all day long'],
  ['she plays the piano', 'she plays an instrument'],
  ['two dogs run', 'animals are moving'],
];
export const LABELS = Int32Array.of(0, 2, 1, 0, 1);
export const CLASS_WEIGHTS = Float32Array.of(0.5, 1.5, 1);

export const HEADS: Record<string, HeadSpec> = {
  linear: { type: 'linear', inputDim: HIDDEN, numClasses: CLASSES },
  mlp: { type: 'mlp', hidden: [24], activation: 'gelu', dropout: 0.25, inputDim: HIDDEN, numClasses: CLASSES },
};

export async function tinyBackbone(dir: string): Promise<TextBackbone> {
  // Weights larger than BERT's 0.02 so that every layer matters to the loss and mistakes show.
  const { dir: model } = await makeTestBert(dir, 'ort-step', { layers: 3, hidden: HIDDEN, heads: 4, intermediate: 64, vocabSize: 600, seed: 11, initializerRange: 0.1 });
  return loadTextBackbone(model, { device: 'cpu' });
}

export interface StepFixture {
  split: SplitEncoder;
  head: Head;
  batch: PreparedBatch;
  engine: OrtEngine;
  dispose: () => Promise<void>;
}

export async function stepFixture(base: TextBackbone, k: UnfreezeTop, spec: HeadSpec, pooling: 'cls' | 'mean', differentiate: Differentiate): Promise<StepFixture> {
  const split = await SplitEncoder.create(base, k);
  const encoded = base.encodeInputs(PAIRS.map(([premise, hypothesis]) => ({ text: premise, textPair: hypothesis })), 64);
  const inputs = split.lower ? ({ kind: 'recompute', encoded } as const) : ({ kind: 'tokens', encoded } as const);
  // One group, rows sorted by length (the ort engine's form; the TF.js top reads any grouping).
  const batch = await split.prepare(inputs, [0, 1, 2, 3, 4], false);
  const head = Head.create(spec, new Rng(5));
  const engine = new OrtEngine(split, spec, pooling, differentiate, 'cpu');
  const weights = [...(await head.readWeights()), ...(await split.top.readWeights()).map((w) => ({ ...w, name: `${BACKBONE_OPTIMIZER_PREFIX}${w.name}` }))];
  engine.setWeights(weights.map(({ name, shape, data }) => ({ name, dims: shape, data })));
  return {
    split,
    head,
    batch,
    engine,
    dispose: async () => {
      head.dispose();
      await engine.dispose();
      await split.dispose();
    },
  };
}

/** The TF.js engine's forward pass on the same batch: loss and logits (dropout masks drawn from `dropoutRng` when given). */
export function tfjsForward(f: StepFixture, pooling: 'cls' | 'mean', dropoutRng?: Rng): { loss: number; logits: Float32Array } {
  return tf.tidy(() => {
    const logits = f.head.forward(f.split.pooled(f.batch, pooling), dropoutRng);
    const { loss } = crossEntropy(logits, tf.tensor1d(LABELS, 'int32'), tf.tensor1d(CLASS_WEIGHTS));
    return { loss: loss.dataSync()[0]!, logits: logits.dataSync() as Float32Array };
  });
}
