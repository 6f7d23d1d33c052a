import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAttentionOutputs, writeAttentionModel } from '../../../src/backbones/onnx/attention-outputs.ts';
import { makeNode, tensorValueInfo } from '../../../src/backbones/onnx/build.ts';
import { DataType, decodeModel, emptyGraph, encodeModel } from '../../../src/backbones/onnx/model.ts';
import { TransferKitError } from '../../../src/errors.ts';
import { TINY_BERT } from '../../../src/fixtures/bert.ts';
import { makeTestBert, scratchDir, tinyModelDir } from '../../helpers/tiny-model.ts';
import { PADDED_PAIR_BATCH, runBert } from './ort-session.ts';

const attentionNames = (bytes: Uint8Array) => decodeModel(bytes).graph.output.map((o) => o.name).filter((n) => n.startsWith('attentions.'));

function expectInputError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TransferKitError);
    expect((error as TransferKitError).kind).toBe('input');
    expect((error as TransferKitError).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an input error');
}

describe('addAttentionOutputs', () => {
  let torchBytes: Uint8Array;
  let opaqueBytes: Uint8Array;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;

  beforeAll(async () => {
    scratch = await scratchDir();
    torchBytes = await readFile(join(await tinyModelDir(), 'onnx', 'model.onnx'));
    const opaque = await makeTestBert(scratch.dir, 'opaque', { ...TINY_BERT, nodeNaming: 'opaque' });
    opaqueBytes = await readFile(join(opaque.dir, 'onnx', 'model.onnx'));
  });
  afterAll(() => scratch.cleanup());

  it('adds one [batch_size, heads, sequence_length, sequence_length] float output per layer', () => {
    const { bytes, layers } = addAttentionOutputs(torchBytes, 2);
    expect(layers).toBe(2);
    const graph = decodeModel(bytes).graph;
    const outputs = graph.output.filter((o) => o.name.startsWith('attentions.'));
    expect(outputs.map((o) => o.name)).toEqual(['attentions.0', 'attentions.1']);
    for (const o of outputs) {
      expect(o.type!.tensorType!.elemType).toBe(DataType.FLOAT);
      expect(o.type!.tensorType!.shape!.map((d) => d.param ?? d.value)).toEqual(['batch_size', 4, 'sequence_length', 'sequence_length']);
    }
    // Each output is an Identity of a Softmax output, layer 0 first.
    const softmaxOutputs = graph.node.filter((n) => n.opType === 'Softmax').map((n) => n.output[0]);
    const identities = graph.node.filter((n) => n.opType === 'Identity' && n.output[0]!.startsWith('attentions.'));
    expect(identities.map((n) => n.input[0])).toEqual(softmaxOutputs);
  });

  it('finds the Softmax nodes by graph structure: opaque names and a shuffled node list give the same maps', async () => {
    const model = decodeModel(opaqueBytes);
    expect(model.graph.node.some((n) => n.name.includes('/attention/'))).toBe(false);
    model.graph.node.reverse();
    model.graph.node.forEach((n, i) => (n.name = `n${i}`));
    const shuffled = encodeModel(model);
    const fromTorch = await runBert(addAttentionOutputs(torchBytes, 2).bytes, PADDED_PAIR_BATCH);
    const fromOpaque = await runBert(addAttentionOutputs(shuffled, 2).bytes, PADDED_PAIR_BATCH);
    for (const name of ['attentions.0', 'attentions.1', 'last_hidden_state']) {
      expect(Array.from(fromOpaque[name]!.data)).toEqual(Array.from(fromTorch[name]!.data));
    }
    // The two layers differ, so a swapped layer order would have been caught.
    expect(Array.from(fromTorch['attentions.0']!.data)).not.toEqual(Array.from(fromTorch['attentions.1']!.data));
  });

  it('ignores a Softmax that is not self-attention (a classifier head on top)', () => {
    const model = decodeModel(torchBytes);
    model.graph.node.push(makeNode('Softmax', ['last_hidden_state'], ['probs'], 'classifier/Softmax', { axis: -1 }));
    model.graph.output.push(tensorValueInfo('probs', DataType.FLOAT, ['batch_size', 'sequence_length', 32]));
    expect(addAttentionOutputs(encodeModel(model), 2).layers).toBe(2);
  });

  it('returns an already derived model unchanged', () => {
    const derived = addAttentionOutputs(torchBytes).bytes;
    const again = addAttentionOutputs(derived, 2);
    expect(again.bytes).toBe(derived);
    expect(again.layers).toBe(2);
    expect(attentionNames(again.bytes)).toEqual(['attentions.0', 'attentions.1']);
  });

  it('fails when the layer count differs from the expected one', () => {
    expectInputError(() => addAttentionOutputs(torchBytes, 12), /found 2 self-attention Softmax nodes but the model config says 12 layers/);
  });

  it('fails clearly on fused attention (com.microsoft Attention) and on a graph without Softmax', () => {
    const fused = emptyGraph('fused');
    fused.node = [makeNode('Attention', ['x', 'w', 'b', 'mask'], ['y'], 'Attention_0', { num_heads: 4 }, 'com.microsoft')];
    fused.input = [tensorValueInfo('x', DataType.FLOAT, ['batch_size', 'sequence_length', 32])];
    fused.output = [tensorValueInfo('y', DataType.FLOAT, ['batch_size', 'sequence_length', 32])];
    const model = (graph: typeof fused) =>
      encodeModel({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }], producerName: 't', producerVersion: '', graph, unknown: [] });
    expectInputError(() => addAttentionOutputs(model(fused)), /fused attention \(com\.microsoft\.Attention.*cannot be exposed.*without attention fusion/);

    const plain = emptyGraph('plain');
    plain.node = [makeNode('Relu', ['x'], ['y'], 'relu')];
    plain.input = fused.input;
    plain.output = fused.output;
    expectInputError(() => addAttentionOutputs(model(plain)), /no Softmax node.*cannot be exposed/);
  });

  it('writeAttentionModel names the model file when its attention cannot be exposed, and writes nothing', async () => {
    const source = join(await tinyModelDir(), 'onnx', 'model.onnx');
    const target = join(scratch.dir, 'mismatch_attentions.onnx');
    const error = await writeAttentionModel(source, target, 12).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferKitError);
    expect((error as TransferKitError).line).toBe(`${source}: found 2 self-attention Softmax nodes but the model config says 12 layers`);
    expect((error as TransferKitError).exitCode).toBe(2);
    expect(existsSync(target)).toBe(false);
  });

  it('writeAttentionModel streams the same bytes to a file', async () => {
    const target = join(scratch.dir, 'model_attentions.onnx');
    const source = join(await tinyModelDir(), 'onnx', 'model.onnx');
    expect(await writeAttentionModel(source, target, 2)).toEqual({ layers: 2 });
    const written = await readFile(target);
    expect(Buffer.compare(written, Buffer.from(addAttentionOutputs(torchBytes, 2).bytes))).toBe(0);
  });

  it('writeAttentionModel names the file when it is not an ONNX model', async () => {
    const bogus = join(scratch.dir, 'bogus.onnx');
    await writeFile(bogus, 'this is not protobuf at all');
    await expect(writeAttentionModel(bogus, join(scratch.dir, 'out.onnx'))).rejects.toMatchObject({
      kind: 'input',
      where: { file: bogus },
      message: expect.stringMatching(/^not a valid ONNX model/),
    });
  });
});
