import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { addAttentionOutputs } from '../../../src/backbones/onnx/attention-outputs.ts';
import { floatTensor, makeNode, opset17Model, tensorValueInfo } from '../../../src/backbones/onnx/build.ts';
import { DataType, decodeModel, emptyGraph, encodeModel, initializerTensor, tensorFloats, type ModelProto, type TensorProto } from '../../../src/backbones/onnx/model.ts';
import { quantizeDynamic } from '../../../src/backbones/onnx/quantize.ts';
import { findBertStructure } from '../../../src/backbones/onnx/bert-structure.ts';
import { cutAfter } from '../../../src/backbones/onnx/hidden-state-outputs.ts';
import { encoderTop, quantizedKernels, trainedInitializers } from '../../../src/backbones/tfjs/bert-encoder.ts';
import { readInitializers } from '../../../src/backbones/tfjs/onnx-weights.ts';
import { chunkBytes } from '../../../src/backbones/onnx/protobuf.ts';
import { Rng } from '../../../src/core/index.ts';
import { TINY_BERT } from '../../../src/fixtures/bert.ts';
import { tinyModelDir } from '../../helpers/tiny-model.ts';
import { maxAbsDiff, PADDED_PAIR_BATCH, runBert } from './ort-session.ts';

const LAYERS = TINY_BERT.layers;

function initializers(model: ModelProto): Map<string, TensorProto> {
  return new Map(model.graph.initializer.map((init) => [initializerTensor(init).name, initializerTensor(init)]));
}

const int8Values = (t: TensorProto) => new Int8Array(chunkBytes(t.rawData!).slice().buffer);

describe('quantizeDynamic', () => {
  let fp32Bytes: Uint8Array;
  beforeAll(async () => {
    fp32Bytes = await readFile(join(await tinyModelDir(), 'onnx', 'model.onnx'));
  });

  it('replaces every weight MatMul by DynamicQuantizeLinear + MatMulInteger + scale, and leaves attention float', () => {
    const model = decodeModel(fp32Bytes);
    const original = initializers(model);
    const weightMatMuls = model.graph.node.filter((n) => n.opType === 'MatMul' && original.has(n.input[1]!));
    expect(weightMatMuls).toHaveLength(LAYERS * 6);

    expect(quantizeDynamic(model)).toEqual({ quantized: LAYERS * 6, skipped: 0, excluded: 0 });
    const ops = model.graph.node.map((n) => n.opType);
    expect(ops.filter((op) => op === 'MatMulInteger')).toHaveLength(LAYERS * 6);
    // One activation quantizer per distinct input: Q, K and V share theirs (4 per layer).
    expect(ops.filter((op) => op === 'DynamicQuantizeLinear')).toHaveLength(LAYERS * 4);
    const after = initializers(model);
    const floatMatMuls = model.graph.node.filter((n) => n.opType === 'MatMul');
    expect(floatMatMuls).toHaveLength(LAYERS * 2); // Q·Kᵀ and probabilities·V
    expect(floatMatMuls.every((n) => !after.has(n.input[1]!))).toBe(true);
    for (const node of weightMatMuls) expect(after.has(node.input[1]!)).toBe(false); // the float copies are gone
  });

  it('stores int8 weights with one symmetric scale per output column, within half a step of the float weights', () => {
    const model = decodeModel(fp32Bytes);
    const original = initializers(model);
    quantizeDynamic(model);
    const after = initializers(model);
    const integerNodes = model.graph.node.filter((n) => n.opType === 'MatMulInteger');
    for (const node of integerNodes) {
      const q = after.get(node.input[1]!)!;
      const zeroPoint = after.get(node.input[3]!)!;
      expect(q.dataType).toBe(DataType.INT8);
      expect(zeroPoint.dataType).toBe(DataType.INT8);
      const [k, n] = q.dims as [number, number];
      expect(Array.from(int8Values(zeroPoint))).toEqual(new Array(n).fill(0));
      const float = tensorFloats(original.get(node.input[1]!.replace(/_quantized$/, ''))!);
      const scale = tensorFloats(after.get(node.input[1]!.replace(/_quantized$/, '_scale'))!);
      expect(scale).toHaveLength(n);
      const values = int8Values(q);
      for (let j = 0; j < n; j++) {
        let columnMax = 0;
        let maxError = 0;
        for (let i = 0; i < k; i++) {
          columnMax = Math.max(columnMax, Math.abs(values[i * n + j]!));
          maxError = Math.max(maxError, Math.abs(values[i * n + j]! * scale[j]! - float[i * n + j]!));
        }
        expect(columnMax).toBe(127); // the column's largest weight maps to ±127
        expect(maxError).toBeLessThanOrEqual(scale[j]! * 0.5 + 1e-7);
      }
    }
  });

  it('reduceRange keeps weights within ±64 (7 bits)', () => {
    const model = decodeModel(fp32Bytes);
    quantizeDynamic(model, { reduceRange: true });
    const after = initializers(model);
    const q = after.get(model.graph.node.find((n) => n.opType === 'MatMulInteger')!.input[1]!)!;
    expect(Math.max(...Array.from(int8Values(q), Math.abs))).toBe(64);
  });

  it('perChannel: false stores one scale per weight matrix (a scalar, as quantize_dynamic per_channel=False)', async () => {
    const model = decodeModel(fp32Bytes);
    const original = initializers(model);
    quantizeDynamic(model, { perChannel: false });
    const after = initializers(model);
    for (const node of model.graph.node.filter((n) => n.opType === 'MatMulInteger')) {
      const scale = after.get(node.input[1]!.replace(/_quantized$/, '_scale'))!;
      expect(scale.dims).toEqual([]);
      expect(after.get(node.input[3]!)!.dims).toEqual([]);
      const values = int8Values(after.get(node.input[1]!)!);
      const float = tensorFloats(original.get(node.input[1]!.replace(/_quantized$/, ''))!);
      const step = tensorFloats(scale)[0]!;
      expect(step).toBeCloseTo(Math.max(...Array.from(float, Math.abs)) / 127, 9);
      expect(Math.max(...Array.from(values, Math.abs))).toBe(127); // only the matrix's largest weight reaches ±127
      expect(maxAbsDiff(Float32Array.from(values, (v) => v * step), float)).toBeLessThanOrEqual(step * 0.5 + 1e-7);
    }
    const error = maxAbsDiff((await runBert(encodeModel(model), PADDED_PAIR_BATCH)).last_hidden_state!.data, (await runBert(fp32Bytes, PADDED_PAIR_BATCH)).last_hidden_state!.data);
    expect(error).toBeGreaterThan(0);
    expect(error).toBeLessThan(0.05);
  });

  it('excludeNodes leaves the named MatMuls float: * matches within one path segment, ** across them', async () => {
    const ffnOutput = decodeModel(fp32Bytes);
    // `*` stops at '/': the attention output projections (/attention/output/dense) stay int8.
    expect(quantizeDynamic(ffnOutput, { excludeNodes: ['/encoder/layer.*/output/dense/MatMul'] })).toEqual({ quantized: LAYERS * 5, skipped: 0, excluded: LAYERS });
    const floatNames = ffnOutput.graph.node.filter((n) => n.opType === 'MatMul' && initializers(ffnOutput).has(n.input[1]!)).map((n) => n.name);
    expect(floatNames).toEqual(Array.from({ length: LAYERS }, (_, l) => `/encoder/layer.${l}/output/dense/MatMul`));
    const lastLayer = decodeModel(fp32Bytes);
    expect(quantizeDynamic(lastLayer, { excludeNodes: [`/encoder/layer.${LAYERS - 1}/**`, '/no/such/node'] })).toEqual({ quantized: (LAYERS - 1) * 6, skipped: 0, excluded: 6 });

    // Mixed float and int8 layers still map, and run close to fp32.
    const structure = findBertStructure(ffnOutput.graph);
    expect(structure.layers.every((layer) => layer.output.quantization === undefined && layer.intermediate.quantization !== undefined)).toBe(true);
    const error = maxAbsDiff((await runBert(encodeModel(ffnOutput), PADDED_PAIR_BATCH)).last_hidden_state!.data, (await runBert(fp32Bytes, PADDED_PAIR_BATCH)).last_hidden_state!.data);
    expect(error).toBeGreaterThan(0);
    expect(error).toBeLessThan(0.05);
  });

  it('runs in ONNX Runtime close to fp32; the integer and the fused (DynamicQuantizeMatMul) forms agree', async () => {
    const fp32 = await runBert(fp32Bytes, PADDED_PAIR_BATCH);
    const integer = decodeModel(fp32Bytes);
    quantizeDynamic(integer, { form: 'integer' });
    const fused = decodeModel(fp32Bytes);
    quantizeDynamic(fused, { form: 'fused' });
    expect(fused.graph.node.filter((n) => n.opType === 'DynamicQuantizeMatMul' && n.domain === 'com.microsoft')).toHaveLength(LAYERS * 6);
    expect(fused.opsetImport).toContainEqual({ domain: 'com.microsoft', version: 1 });

    const a = (await runBert(encodeModel(integer), PADDED_PAIR_BATCH)).last_hidden_state!;
    const b = (await runBert(encodeModel(fused), PADDED_PAIR_BATCH)).last_hidden_state!;
    const reference = fp32.last_hidden_state!;
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-4);
    const error = maxAbsDiff(a.data, reference.data);
    expect(error).toBeGreaterThan(0); // int8 really ran
    expect(error).toBeLessThan(0.05); // LayerNorm output: values of order 1
  });

  it('keeps the attention surgery working: quantized attention maps are close to fp32 ones', async () => {
    const quantized = decodeModel(fp32Bytes);
    quantizeDynamic(quantized);
    const withAttention = addAttentionOutputs(encodeModel(quantized), LAYERS);
    expect(withAttention.layers).toBe(LAYERS);
    const int8 = await runBert(withAttention.bytes, PADDED_PAIR_BATCH);
    const fp32 = await runBert(addAttentionOutputs(fp32Bytes, LAYERS).bytes, PADDED_PAIR_BATCH);
    for (let layer = 0; layer < LAYERS; layer++) {
      const name = `attentions.${layer}`;
      expect(int8[name]!.dims).toEqual(fp32[name]!.dims);
      expect(maxAbsDiff(int8[name]!.data, fp32[name]!.data)).toBeLessThan(0.02);
      expect(maxAbsDiff(int8[name]!.data, fp32[name]!.data)).toBeGreaterThan(0);
    }
  });

  for (const form of ['integer', 'fused'] as const) {
    it(`${form} form: the BERT structure maps (int8 kernels read back within half a step) and the hidden-state cut runs`, async () => {
      const fp32 = decodeModel(fp32Bytes);
      const reference = findBertStructure(fp32.graph);
      const model = decodeModel(fp32Bytes);
      quantizeDynamic(model, { form });
      const structure = findBertStructure(model.graph);
      expect(structure.embeddings).toEqual(reference.embeddings);
      structure.layers.forEach((layer, l) => {
        const expected = reference.layers[l]!;
        expect(layer.outputNorm).toEqual(expected.outputNorm);
        expect(layer.attentionNorm).toEqual(expected.attentionNorm);
        expect(layer.input).toBe(expected.input);
        for (const key of ['query', 'key', 'value', 'attentionOutput', 'intermediate', 'output'] as const) {
          expect(layer[key]).toEqual({ kernel: `${expected[key].kernel}_quantized`, bias: expected[key].bias, quantization: { scale: `${expected[key].kernel}_scale`, zeroPoint: `${expected[key].kernel}_zero_point` } });
        }
      });

      // The TF.js top reads the int8 kernels back as floats.
      const names = encoderTop(structure, 1);
      const values = readInitializers(model, trainedInitializers(names), quantizedKernels(names));
      const floats = readInitializers(fp32, trainedInitializers(encoderTop(reference, 1)));
      const top = names.layers[0]!;
      for (const key of ['query', 'intermediate', 'output'] as const) {
        const scale = tensorFloats(initializers(model).get(top[key].quantization!.scale)!);
        const step = Math.max(...scale);
        expect(maxAbsDiff(values.get(top[key].kernel)!.data, floats.get(reference.layers[LAYERS - 1]![key].kernel)!.data)).toBeLessThanOrEqual(step / 2 + 1e-7);
      }
      expect(values.get(top.query.bias)!.data).toEqual(floats.get(top.query.bias)!.data);

      // The frozen lower part: cut after layer 0, it runs layer 0 only, in int8.
      const cut = model;
      cutAfter(cut, structure.layers[0]!.outputNorm.output, TINY_BERT.hidden);
      expect(cut.graph.node.filter((n) => n.opType === 'MatMulInteger' || n.opType === 'DynamicQuantizeMatMul')).toHaveLength(6);
      const floatCut = decodeModel(fp32Bytes);
      cutAfter(floatCut, reference.layers[0]!.outputNorm.output, TINY_BERT.hidden);
      const a = (await runBert(encodeModel(cut), PADDED_PAIR_BATCH)).last_hidden_state!.data;
      const b = (await runBert(encodeModel(floatCut), PADDED_PAIR_BATCH)).last_hidden_state!.data;
      expect(maxAbsDiff(a, b)).toBeGreaterThan(0);
      expect(maxAbsDiff(a, b)).toBeLessThan(0.05);
    });
  }

  it('quantizes Gemm with transB, alpha and beta; a Gemm with transA stays float', async () => {
    const [m, k, n] = [3, 16, 8];
    const rng = new Rng(5);
    const w = Float32Array.from({ length: n * k }, () => rng.uniform(-1, 1)); // [N, K]: transB
    const c = Float32Array.from({ length: n }, () => rng.uniform(0, 1));
    const w2 = Float32Array.from({ length: m * 4 }, () => rng.uniform(-1, 1)); // [M, 4]: B of Xᵀ·W2
    const graph = emptyGraph('gemm');
    graph.initializer.push(floatTensor('W', [n, k], w), floatTensor('C', [n], c), floatTensor('W2', [m, 4], w2));
    graph.node.push(
      makeNode('Gemm', ['X', 'W', 'C'], ['Y'], 'gemm', { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } }),
      makeNode('Gemm', ['X', 'W2'], ['Z'], 'gemm_transA', { transA: 1 }),
    );
    graph.input.push(tensorValueInfo('X', DataType.FLOAT, [m, k]));
    graph.output.push(tensorValueInfo('Y', DataType.FLOAT, [m, n]), tensorValueInfo('Z', DataType.FLOAT, [k, 4]));
    const model = opset17Model(graph);
    const fp32Bytes = encodeModel(model);
    // Xᵀ·W2 would need the activation quantized along the other axis: left float, counted as skipped.
    expect(quantizeDynamic(model)).toEqual({ quantized: 1, skipped: 1, excluded: 0 });
    expect(model.graph.node.filter((node) => node.opType === 'Gemm').map((node) => node.name)).toEqual(['gemm_transA']);

    const x = Float32Array.from({ length: m * k }, () => rng.uniform(-1, 1));
    const run = async (bytes: Uint8Array) => {
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({ X: new ort.Tensor('float32', x, [m, k]) });
      await session.release();
      return { y: out.Y!.data as Float32Array, z: out.Z!.data as Float32Array };
    };
    const expected = await run(fp32Bytes);
    const actual = await run(encodeModel(model));
    expect(maxAbsDiff(actual.z, expected.z)).toBe(0);
    // 0.5·(X·Wᵀ) + 2·C with |X·Wᵀ| up to ~16: int8 keeps it to a few hundredths.
    expect(maxAbsDiff(actual.y, expected.y)).toBeLessThan(0.05);
    expect(maxAbsDiff(actual.y, expected.y)).toBeGreaterThan(0);
  });
});

