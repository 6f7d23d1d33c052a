import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findBertStructure, type BertStructure } from '../../../src/backbones/onnx/bert-structure.ts';
import { cutAfter, exposeTensors } from '../../../src/backbones/onnx/hidden-state-outputs.ts';
import { decodeModel, encodeModel, type ModelProto } from '../../../src/backbones/onnx/model.ts';
import { TfBertTop, trainedInitializers } from '../../../src/backbones/tfjs/bert-encoder.ts';
import { readInitializers } from '../../../src/backbones/tfjs/onnx-weights.ts';
import type { GraphStyle } from '../../../src/fixtures/bert-graph.ts';
import { initTf } from '../../../src/heads/backend.ts';
import { makeTestBert, scratchFolder } from '../../helpers/tiny-model.ts';
import { PADDED_PAIR_BATCH, maxAbsDiff, runBert } from '../onnx/ort-session.ts';

const LAYERS = 3;
const HIDDEN = 32;
const inputs = PADDED_PAIR_BATCH;
const [batch, seq] = [inputs.inputIds.length, inputs.inputIds[0]!.length];
const scratch = scratchFolder('transferkit-tfjs-bert-');

interface Fixture {
  model: ModelProto;
  structure: BertStructure;
  /** ORT's hidden states: [0] embeddings, [l + 1] after layer l. */
  hidden: Float32Array[];
}

async function fixture(style: GraphStyle, naming: 'torch' | 'opaque'): Promise<Fixture> {
  const { dir } = await makeTestBert(scratch.dir, `${style}-${naming}`, { layers: LAYERS, hidden: HIDDEN, heads: 4, intermediate: 64, vocabSize: 600, seed: 7, initializerRange: 0.1, nodeNaming: naming, graphStyle: style });
  const bytes = await readFile(join(dir, 'onnx', 'model.onnx'));
  const model = decodeModel(bytes);
  const structure = findBertStructure(model.graph);
  const probe = decodeModel(bytes);
  const states = [structure.embeddings.norm.output, ...structure.layers.map((l) => l.outputNorm.output)];
  exposeTensors(probe, states.map((tensor, i) => ({ tensor, output: `hidden.${i}` })), HIDDEN);
  const ort = await runBert(encodeModel(probe), inputs);
  return { model, structure, hidden: states.map((_, i) => ort[`hidden.${i}`]!.data) };
}

function encoder(f: Fixture, names: Parameters<typeof TfBertTop.fromWeights>[1]): TfBertTop {
  const weights = readInitializers(f.model, trainedInitializers(names));
  return TfBertTop.fromWeights({ hidden: HIDDEN, heads: 4, layerNormEps: 1e-12 }, names, (name) => weights.get(name)!);
}

const mask = () => tf.tensor2d(inputs.attentionMask.flat(), [batch, seq]);

describe('TF.js BERT layers vs ONNX Runtime', () => {
  const fixtures: Record<string, Fixture> = {};
  beforeAll(async () => {
    await initTf('wasm');
    fixtures.opset17 = await fixture('opset17', 'torch');
    fixtures.opset14 = await fixture('opset14', 'opaque');
  });

  it('maps weights by structure: PyTorch names on our graph, onnx::MatMul_* on the Optimum (opset 14) shape, same values', () => {
    const named = fixtures.opset17!.structure.layers[1]!;
    expect(named.query.kernel).toBe('encoder.layer.1.attention.self.query.weight');
    expect(named.intermediate.bias).toBe('encoder.layer.1.intermediate.dense.bias');
    expect(named.outputNorm.gamma).toBe('encoder.layer.1.output.LayerNorm.weight');
    expect(fixtures.opset17!.structure.embeddings.word).toBe('embeddings.word_embeddings.weight');
    const anonymous = fixtures.opset14!.structure.layers[1]!;
    expect(anonymous.query.kernel).toMatch(/^onnx::MatMul_\d+$/);
    expect(anonymous.outputNorm.gamma).toBe('encoder.layer.1.output.LayerNorm.weight');
    const a = readInitializers(fixtures.opset17!.model, [named.value.kernel, named.output.kernel]);
    const b = readInitializers(fixtures.opset14!.model, [anonymous.value.kernel, anonymous.output.kernel]);
    expect(maxAbsDiff(a.get(named.value.kernel)!.data, b.get(anonymous.value.kernel)!.data)).toBe(0);
    expect(maxAbsDiff(a.get(named.output.kernel)!.data, b.get(anonymous.output.kernel)!.data)).toBe(0);
  });

  for (const style of ['opset17', 'opset14'] as const) {
    it(`${style}: each layer, the embeddings and the whole encoder reproduce ONNX Runtime within 1e-4`, () => {
      const f = fixtures[style]!;
      expect(maxAbsDiff(f.hidden[1]!, f.hidden[0]!)).toBeGreaterThan(0.1); // layers change the state
      for (let l = 0; l < LAYERS; l++) {
        const top = encoder(f, { embeddings: null, layers: [f.structure.layers[l]!] });
        const out = tf.tidy(() => top.forward(tf.tensor3d(f.hidden[l]!, [batch, seq, HIDDEN]), mask()).dataSync());
        // Padded rows of the second input are computed too (ORT does the same); compare everything.
        expect(maxAbsDiff(out, f.hidden[l + 1]!), `layer ${l}`).toBeLessThanOrEqual(1e-4);
        top.dispose();
      }
      const all = encoder(f, { embeddings: f.structure.embeddings, layers: f.structure.layers });
      const ids = tf.tensor2d(inputs.inputIds.flat(), [batch, seq], 'int32');
      const types = tf.tensor2d(inputs.tokenTypeIds.flat(), [batch, seq], 'int32');
      expect(maxAbsDiff(tf.tidy(() => all.embed(ids, types).dataSync()), f.hidden[0]!)).toBeLessThanOrEqual(1e-4);
      const whole = tf.tidy(() => all.forward(all.embed(ids, types), mask()).dataSync());
      expect(maxAbsDiff(whole, f.hidden[LAYERS]!)).toBeLessThanOrEqual(1e-4);
      all.dispose();
      tf.dispose([ids, types]);
    });
  }

  it('the lower part cut after layer L-2 computes that hidden state and drops the top layer', async () => {
    const f = fixtures.opset14!;
    const lower = decodeModel(encodeModel(f.model));
    cutAfter(lower, f.structure.layers[LAYERS - 2]!.outputNorm.output, HIDDEN);
    const out = await runBert(encodeModel(lower), inputs);
    expect(Object.keys(out)).toEqual(['last_hidden_state']);
    expect(maxAbsDiff(out.last_hidden_state!.data, f.hidden[LAYERS - 1]!)).toBe(0);
    expect(lower.graph.node.length).toBeLessThan(f.model.graph.node.length * 0.8);
    expect(lower.graph.initializer.length).toBeLessThan(f.model.graph.initializer.length);
  });
});
