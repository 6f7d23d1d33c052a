import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { floatTensor } from '../../src/backbones/onnx/build.ts';
import { readModelFile, writeModelFile } from '../../src/backbones/onnx/model-file.ts';
import { initializerTensor, tensorFloats, type ModelProto } from '../../src/backbones/onnx/model.ts';
import { TransferKitError } from '../../src/errors.ts';
import { rewriteOnnxModel } from '../../src/export/onnx/rewrite.ts';
import { scratchFolder, tinyModelDir } from '../helpers/tiny-model.ts';

const WEIGHT = 'encoder.layer.1.attention.self.query.weight';

/** The model with one initializer's values replaced, built in memory with the whole-model encoder. */
function withInitializer(model: ModelProto, name: string, values: Float32Array): ModelProto {
  const initializer = model.graph.initializer.map((init) => {
    const tensor = initializerTensor(init);
    return tensor.name === name ? floatTensor(name, tensor.dims, values) : init;
  });
  return { ...model, graph: { ...model.graph, initializer } };
}

describe('streaming ONNX rewrite', () => {
  const scratch = scratchFolder('transferkit-onnx-rewrite-');
  let source: string;
  let original: Float32Array;

  beforeAll(async () => {
    source = join(await tinyModelDir(), 'onnx', 'model.onnx');
    const model = await readModelFile(source);
    original = tensorFloats(initializerTensor(model.graph.initializer.find((i) => initializerTensor(i).name === WEIGHT)!));
  });

  it('with no edit, copies the model byte for byte, and reports what it scanned', async () => {
    const target = join(scratch.dir, 'copy.onnx');
    const { source: graph, bytes } = await rewriteOnnxModel(source, target, () => ({}));
    const [a, b] = await Promise.all([readFile(source), readFile(target)]);
    expect(bytes).toBe(a.length);
    expect(Buffer.compare(a, b)).toBe(0);
    expect(graph.opset).toBe(17);
    expect(graph.inputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(graph.outputs.map((o) => o.name)).toEqual(['last_hidden_state']);
    expect(graph.initializers.get(WEIGHT)).toEqual({ dims: [32, 32], dataType: 1, external: false });
    expect(graph.names.has('last_hidden_state')).toBe(true);
  });

  it('an override gives exactly the file the whole-model writer makes with that weight', async () => {
    const changed = original.map((v, i) => v + 0.25 * Math.sin(i));
    const streamed = join(scratch.dir, 'streamed.onnx');
    const reference = join(scratch.dir, 'reference.onnx');
    await rewriteOnnxModel(source, streamed, () => ({ overrides: new Map([[WEIGHT, changed]]) }));
    await writeModelFile(reference, withInitializer(await readModelFile(source), WEIGHT, changed));
    const [a, b] = await Promise.all([readFile(streamed), readFile(reference)]);
    expect(Buffer.compare(a, b)).toBe(0);
    const written = (await readModelFile(streamed)).graph.initializer.map(initializerTensor).find((t) => t.name === WEIGHT)!;
    expect(tensorFloats(written)).toEqual(changed);
  });

  it.each([
    ['an unknown initializer', 'no.such.weight', new Float32Array(4), /cannot replace initializer 'no.such.weight': the graph has no initializer of that name/],
    ['a wrong element count', WEIGHT, new Float32Array(10), /has 1024 values \[32, 32\] but the replacement has 10/],
    ['an integer initializer', 'embeddings.position_ids', new Float32Array(512), /it is not float32 \(data_type 7\)/],
  ])('refuses an override of %s, naming it', async (_, name, values, message) => {
    const error = await rewriteOnnxModel(source, join(scratch.dir, 'refused.onnx'), () => ({ overrides: new Map([[name, values]]) })).catch((e) => e);
    expect(error).toBeInstanceOf(TransferKitError);
    expect(error.kind).toBe('input');
    expect(error.message).toMatch(message);
  });

  it('a truncated model file is one clear input error naming it', async () => {
    const truncated = join(scratch.dir, 'truncated.onnx');
    const bytes = await readFile(source);
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const error = await rewriteOnnxModel(truncated, join(scratch.dir, 'never.onnx'), () => ({})).catch((e) => e);
    expect(error).toBeInstanceOf(TransferKitError);
    expect(error.line).toMatch(/truncated\.onnx: not a valid ONNX model/);
  });
});
