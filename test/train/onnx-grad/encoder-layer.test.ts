/**
 * The differentiator on real encoder layers: the top k layers cut out of a generated BERT (both graph
 * shapes: opset 17 with LayerNormalization, opset 14 with the decomposed LayerNorm and onnx::MatMul_*
 * names), a masked mean-pool + linear (Gemm) head and a cross-entropy loss with per-example weights,
 * differentiated with respect to every layer weight and the head. ONNX Runtime's gradients must equal TF.js
 * autodiff of src/backbones/tfjs/bert-encoder.ts on the same weights and batch (max relative difference
 * ≤ 1e-4 per weight, relative to the largest reference value of that weight's gradient).
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findBertStructure, type BertStructure } from '../../../src/backbones/onnx/bert-structure.ts';
import { opset17Model } from '../../../src/backbones/onnx/build.ts';
import { exposeTensors } from '../../../src/backbones/onnx/hidden-state-outputs.ts';
import { decodeModel, encodeModel, type ModelProto } from '../../../src/backbones/onnx/model.ts';
import { TfBertTop, trainedInitializers, type EncoderTopNames } from '../../../src/backbones/tfjs/bert-encoder.ts';
import { readInitializers } from '../../../src/backbones/tfjs/onnx-weights.ts';
import { Rng } from '../../../src/core/index.ts';
import { addGradients } from '../../../src/train/onnx-grad/index.ts';
import { PADDED_PAIR_BATCH, runBert } from '../../backbones/onnx/ort-session.ts';
import { makeTestBert, scratchFolder } from '../../helpers/tiny-model.ts';
import { addHead, cutLayers } from './encoder-graph.ts';
import { maxRelativeDifference } from './grad-harness.ts';

const [LAYERS, HIDDEN, HEADS, CLASSES] = [2, 32, 4, 3];
const inputs = PADDED_PAIR_BATCH;
const [batch, seq] = [inputs.inputIds.length, inputs.inputIds[0]!.length];
const LABELS = [2, 0];
const EXAMPLE_WEIGHTS = [0.7, 1.3];
const scratch = scratchFolder('transferkit-onnx-grad-');

interface Fixture {
  model: ModelProto;
  structure: BertStructure;
  /** ORT's hidden state entering each layer. */
  layerInputs: Float32Array[];
}

async function fixture(style: 'opset17' | 'opset14'): Promise<Fixture> {
  const naming = style === 'opset17' ? 'torch' : 'opaque';
  const { dir } = await makeTestBert(scratch.dir, style, { layers: LAYERS, hidden: HIDDEN, heads: HEADS, intermediate: 64, vocabSize: 600, seed: 11, initializerRange: 0.1, nodeNaming: naming, graphStyle: style });
  const bytes = await readFile(join(dir, 'onnx', 'model.onnx'));
  const model = decodeModel(bytes);
  const structure = findBertStructure(model.graph);
  const probe = decodeModel(bytes);
  exposeTensors(probe, structure.layers.map((l, i) => ({ tensor: l.input, output: `layer_input.${i}` })), HIDDEN);
  const states = await runBert(encodeModel(probe), inputs);
  return { model, structure, layerInputs: structure.layers.map((_, i) => states[`layer_input.${i}`]!.data) };
}

function tfLoss(encoder: TfBertTop, hidden: tf.Tensor3D, mask: tf.Tensor2D, kernel: tf.Tensor, bias: tf.Tensor): tf.Scalar {
  const h = encoder.forward(hidden, mask);
  const maskF = tf.expandDims(tf.cast(mask, 'float32'), 2);
  const pooled = tf.div(tf.sum(tf.mul(h, maskF), 1), tf.sum(maskF, 1));
  const logits = tf.add(tf.matMul(pooled, kernel), bias);
  const ce = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.tensor1d(LABELS, 'int32'), CLASSES)), 1));
  const w = tf.tensor1d(EXAMPLE_WEIGHTS);
  return tf.div(tf.sum(tf.mul(ce, w)), tf.sum(w)) as tf.Scalar;
}

describe('differentiating real BERT encoder layers (ONNX Runtime vs TF.js autodiff)', () => {
  const fixtures: Record<string, Fixture> = {};
  beforeAll(async () => {
    await tf.setBackend('cpu');
    fixtures.opset17 = await fixture('opset17');
    fixtures.opset14 = await fixture('opset14');
  });

  for (const [style, k] of [['opset17', 1], ['opset17', 2], ['opset14', 1], ['opset17', 'all']] as const) {
    it(`${style}, ${k === 'all' ? 'whole encoder with the embeddings (from token ids)' : `top ${k} layer(s)`}: every weight's gradient within 1e-4 of TF.js`, async () => {
      const f = fixtures[style]!;
      const first = k === 'all' ? 0 : LAYERS - k;
      const names: EncoderTopNames = { embeddings: k === 'all' ? f.structure.embeddings : null, layers: f.structure.layers.slice(first) };
      const top = f.structure.layers[LAYERS - 1]!.outputNorm.output;
      const graph = k === 'all' ? { ...decodeModel(encodeModel(f.model)).graph, output: [] } : cutLayers(f.model.graph, f.structure.layers[first]!.input, top, HIDDEN);
      addHead(graph, top, HIDDEN, CLASSES);
      const layerWeights = trainedInitializers(names);
      expect(layerWeights.length).toBe(16 * names.layers.length + (k === 'all' ? 5 : 0));
      const wrt = [...layerWeights, 'head.kernel', 'head.bias'];
      const forwardNodes = graph.node.length;
      const gradNames = addGradients(graph, { loss: 'loss', wrt });
      // Shape inference knew every broadcast: no run-time axis search (NonZero) in the backward pass.
      expect(graph.node.slice(forwardNodes).filter((n) => n.opType === 'NonZero')).toEqual([]);

      const rng = new Rng(5);
      const kernel = Float32Array.from({ length: HIDDEN * CLASSES }, () => rng.uniform(-0.3, 0.3));
      const bias = Float32Array.from({ length: CLASSES }, () => rng.uniform(-0.1, 0.1));
      const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [batch, seq]);
      const encoderFeeds: Record<string, ort.Tensor> =
        k === 'all'
          ? { input_ids: int64(inputs.inputIds), token_type_ids: int64(inputs.tokenTypeIds) }
          : { hidden: new ort.Tensor('float32', f.layerInputs[first]!, [batch, seq, HIDDEN]) };
      const session = await ort.InferenceSession.create(encodeModel(opset17Model(graph)));
      const result = await session.run({
        ...encoderFeeds,
        attention_mask: int64(inputs.attentionMask),
        labels: new ort.Tensor('int64', BigInt64Array.from(LABELS.map(BigInt)), [batch]),
        example_weights: new ort.Tensor('float32', Float32Array.from(EXAMPLE_WEIGHTS), [batch]),
        'head.kernel': new ort.Tensor('float32', kernel, [HIDDEN, CLASSES]),
        'head.bias': new ort.Tensor('float32', bias, [CLASSES]),
      });
      await session.release();

      const weights = readInitializers(f.model, layerWeights);
      const encoder = TfBertTop.fromWeights({ hidden: HIDDEN, heads: HEADS, layerNormEps: 1e-12 }, names, (name) => weights.get(name)!);
      const headVars = [tf.variable(tf.tensor2d(kernel, [HIDDEN, CLASSES])), tf.variable(tf.tensor1d(bias))];
      const mask = tf.tensor2d(inputs.attentionMask.flat(), [batch, seq]);
      const ids = tf.tensor2d(inputs.inputIds.flat(), [batch, seq], 'int32');
      const types = tf.tensor2d(inputs.tokenTypeIds.flat(), [batch, seq], 'int32');
      const x = k === 'all' ? undefined : tf.tensor3d(f.layerInputs[first]!, [batch, seq, HIDDEN]);
      const vars = [...encoder.variables().map((v) => v.variable), ...headVars];
      const { value, grads } = tf.variableGrads(() => tfLoss(encoder, x ?? encoder.embed(ids, types), mask, headVars[0]!, headVars[1]!), vars);

      expect(Math.abs((result.loss!.data as Float32Array)[0]! - value.dataSync()[0]!)).toBeLessThan(1e-5);
      const varNames = [...encoder.variables().map((v) => v.name), 'head.kernel', 'head.bias'];
      const ortGrad = (name: string) => result[gradNames.get(name)!]!.data as Float32Array;
      const tfGrad = (i: number) => grads[vars[i]!.name]!.dataSync() as Float32Array;
      const largest = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const overall = Math.max(...varNames.map((_, i) => largest(tfGrad(i))));
      // A key bias adds the same q·b to every score of a softmax row, so its exact gradient is 0: both sides
      // must be rounding noise (≤ 1e-6 × the largest gradient); a relative difference of two noises means nothing.
      const keyBiases = new Set(names.layers.map((l) => l.key.bias));
      const differences = varNames.map((name, i) => {
        if (keyBiases.has(name)) return { name, difference: Math.max(largest(ortGrad(name)), largest(tfGrad(i))) / overall / 1e-2 };
        return { name, difference: maxRelativeDifference(ortGrad(name), tfGrad(i)) };
      });
      const worst = differences.reduce((a, b) => (b.difference > a.difference ? b : a));
      expect(worst.difference, `worst: ${worst.name}`).toBeLessThanOrEqual(1e-4);
      // The gradients are not all zero (a loss the weights do not reach would pass trivially).
      expect(Math.max(...(result[gradNames.get(names.layers[0]!.query.kernel)!]!.data as Float32Array).map(Math.abs))).toBeGreaterThan(1e-6);
      tf.dispose([...(x ? [x] : []), mask, ids, types, value, ...Object.values(grads), ...headVars]);
      encoder.dispose();
    });
  }
});
