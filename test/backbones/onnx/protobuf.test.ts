import { describe, expect, it } from 'vitest';
import { ProtoReader, ProtoWriter, WireType, concatChunks } from '../../../src/backbones/onnx/protobuf.ts';
import { floatTensor, int64Tensor, makeNode, tensorValueInfo } from '../../../src/backbones/onnx/build.ts';
import {
  DataType,
  decodeModel,
  decodeTensor,
  emptyGraph,
  encodeModel,
  encodeTensor,
  initializerTensor,
  tensorFloats,
  tensorInts,
  type ModelProto,
} from '../../../src/backbones/onnx/model.ts';

describe('protobuf wire format', () => {
  it('round-trips varints across the 32- and 53-bit boundaries and negative int64', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 7, Number.MAX_SAFE_INTEGER];
    const negatives = [-1, -2, -128, -(2 ** 31), -(2 ** 40) - 3, Number.MIN_SAFE_INTEGER];
    const w = new ProtoWriter();
    for (const v of values) w.uint(v);
    for (const v of negatives) w.int64(v);
    w.int64(-(2n ** 63n)).int64(2n ** 63n - 1n);
    const r = new ProtoReader(w.finish());
    expect(values.map(() => r.uint())).toEqual(values);
    expect(negatives.map(() => r.int64())).toEqual(negatives);
    expect([r.int64Big(), r.int64Big()]).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
    expect(r.done).toBe(true);
  });

  it('encodes known byte patterns (protobuf documentation examples)', () => {
    expect(Array.from(new ProtoWriter().uint(150).finish())).toEqual([0x96, 0x01]);
    expect(Array.from(new ProtoWriter().int64(-1).finish())).toEqual([255, 255, 255, 255, 255, 255, 255, 255, 255, 1]);
    expect(Array.from(new ProtoWriter().stringField(2, 'testing').finish())).toEqual([0x12, 0x07, ...Buffer.from('testing')]);
  });

  it('reads fixed32/fixed64, strings and both packed and unpacked repeated fields', () => {
    const w = new ProtoWriter().floatField(1, 1.5).tag(2, WireType.Fixed64).double(-2.25).stringField(3, 'héllo');
    w.packedInt64Field(4, [3, -4, 2 ** 40]);
    w.int64Field(4, 9).int64Field(4, -9);
    const r = new ProtoReader(w.finish());
    const seen: Record<number, unknown[]> = {};
    const ints: number[] = [];
    while (!r.done) {
      const [field, wire] = r.tag();
      if (field === 1) (seen[1] ??= []).push(r.float());
      else if (field === 2) (seen[2] ??= []).push(r.double());
      else if (field === 3) (seen[3] ??= []).push(r.string());
      else r.repeated(wire, (x) => x.int64(), ints);
    }
    expect(seen).toEqual({ 1: [1.5], 2: [-2.25], 3: ['héllo'] });
    expect(ints).toEqual([3, -4, 2 ** 40, 9, -9]);
  });

  it('rejects truncated input instead of reading past the end', () => {
    const bytes = new ProtoWriter().stringField(1, 'abcdef').finish();
    const r = new ProtoReader(bytes.subarray(0, 4));
    r.tag();
    expect(() => r.bytes()).toThrow(/truncated/);
  });

  it('references large byte fields instead of copying them and produces lazy chunks on finish', () => {
    const big = new Uint8Array(4096).fill(7);
    const w = new ProtoWriter().bytesField(1, big).bytesField(2, { byteLength: 3, produce: () => Uint8Array.of(1, 2, 3) });
    const chunks = w.chunks();
    expect(chunks).toContain(big);
    const bytes = concatChunks(chunks);
    const r = new ProtoReader(bytes);
    r.tag();
    const view = r.bytes();
    expect(view.buffer).toBe(bytes.buffer); // a view, not a copy
    expect(view.every((b) => b === 7)).toBe(true);
    r.tag();
    expect(Array.from(r.bytes())).toEqual([1, 2, 3]);
    expect(() => concatChunks([{ byteLength: 2, produce: () => new Uint8Array(1) }])).toThrow(/wrong number of bytes/);
  });
});

function smallModel(): ModelProto {
  const graph = emptyGraph('g');
  graph.node = [
    makeNode('MatMul', ['x', 'w'], ['y'], 'mm'),
    makeNode('Reshape', ['y', 'shape'], ['z'], 'rs'),
  ];
  graph.initializer = [floatTensor('w', [2, 2], Float32Array.of(1, -2, 3.5, 4)), int64Tensor('shape', [2], [-1, 2])];
  graph.input = [tensorValueInfo('x', DataType.FLOAT, ['batch', 2])];
  graph.output = [tensorValueInfo('z', DataType.FLOAT, [null, 2])];
  return { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'test', producerVersion: '0', graph, unknown: [] };
}

describe('ONNX model messages', () => {
  it('decode(encode(model)) gives the same nodes, initializers and value infos, and re-encodes byte-identically', () => {
    const bytes = encodeModel(smallModel());
    const decoded = decodeModel(bytes);
    expect(decoded.graph.node.map((n) => [n.opType, n.name, n.input, n.output])).toEqual([
      ['MatMul', 'mm', ['x', 'w'], ['y']],
      ['Reshape', 'rs', ['y', 'shape'], ['z']],
    ]);
    const [w, shape] = decoded.graph.initializer.map(initializerTensor);
    expect([w!.name, w!.dims, w!.dataType, Array.from(tensorFloats(w!))]).toEqual(['w', [2, 2], DataType.FLOAT, [1, -2, 3.5, 4]]);
    expect(tensorInts(shape!)).toEqual([-1, 2]);
    expect(decoded.graph.input[0]!.type!.tensorType!.shape!.map((d) => d.param ?? d.value ?? null)).toEqual(['batch', 2]);
    expect(decoded.graph.output[0]!.type!.tensorType!.shape!.map((d) => d.param ?? d.value ?? null)).toEqual([null, 2]);
    expect(decoded.opsetImport).toEqual([{ domain: '', version: 17 }]);
    expect(Buffer.compare(Buffer.from(encodeModel(decoded)), Buffer.from(bytes))).toBe(0);
  });

  it('keeps initializers as views of the input and writes them back untouched', () => {
    const bytes = encodeModel(smallModel());
    const decoded = decodeModel(bytes);
    const init = decoded.graph.initializer[0]!;
    expect('encoded' in init && init.encoded.buffer === bytes.buffer).toBe(true);
  });

  it('preserves fields it does not model (metadata_props, doc strings, sparse initializers) through an edit', () => {
    const model = smallModel();
    // ModelProto.metadata_props (14), GraphProto.doc_string (10), NodeProto.doc_string (6), TensorProto.doc_string (12).
    const meta = new ProtoWriter().stringField(1, 'key').stringField(2, 'value');
    model.unknown.push(new ProtoWriter().messageField(14, meta).finish());
    model.graph.unknown.push(new ProtoWriter().stringField(10, 'graph doc').finish());
    model.graph.node[0]!.unknown.push(new ProtoWriter().stringField(6, 'node doc').finish());
    const tensor = floatTensor('w2', [1], Float32Array.of(5));
    tensor.unknown.push(new ProtoWriter().stringField(12, 'tensor doc').finish());
    model.graph.initializer.push(tensor);
    const decoded = decodeModel(encodeModel(model));
    decoded.graph.node.push(makeNode('Identity', ['z'], ['z2'], 'added'));
    decoded.graph.output.push(tensorValueInfo('z2', DataType.FLOAT, [null, 2]));
    const again = decodeModel(encodeModel(decoded));
    const text = (raw: Uint8Array[]) => raw.map((b) => Buffer.from(b).toString('latin1')).join('|');
    expect(text(again.unknown)).toContain('key');
    expect(text(again.unknown)).toContain('value');
    expect(text(again.graph.unknown)).toContain('graph doc');
    expect(text(again.graph.node[0]!.unknown)).toContain('node doc');
    expect(text(initializerTensor(again.graph.initializer[2]!).unknown)).toContain('tensor doc');
    expect(again.graph.node.map((n) => n.name)).toEqual(['mm', 'rs', 'added']);
    expect(again.graph.output.map((o) => o.name)).toEqual(['z', 'z2']);
  });

  it('reads float_data and int64_data tensors as well as raw_data', () => {
    const t = decodeTensor(encodeTensor({ name: 'f', dims: [3], dataType: DataType.FLOAT, floatData: [0.5, -1, 2], unknown: [] }).finish());
    expect(Array.from(tensorFloats(t))).toEqual([0.5, -1, 2]);
    const i = decodeTensor(encodeTensor({ name: 'i', dims: [2], dataType: DataType.INT64, int64Data: [-7, 2 ** 33], unknown: [] }).finish());
    expect(tensorInts(i)).toEqual([-7, 2 ** 33]);
  });

  it('refuses bytes that are not a model', () => {
    expect(() => decodeModel(new ProtoWriter().uintField(1, 8).finish())).toThrow(/not an ONNX model/);
  });
});
