/**
 * The subset of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto) that TransferKit reads and edits. Every decoder keeps the fields it does not model
 * as raw bytes in `unknown` and the encoders write them back, so decode → edit → encode loses nothing.
 * Graph initializers are not decoded at all unless asked for: they stay as slices of the input.
 */
import { ProtoReader, ProtoWriter, WireType, utf8, type Chunk } from './protobuf.ts';

/** TensorProto.DataType values used here. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  /** Little-endian bytes; a Chunk so generated tensors can be produced only when written. */
  rawData?: Chunk;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  unknown: Uint8Array[];
}

/** A graph initializer left encoded (as read from a file) until someone asks for it. */
export interface EncodedTensor {
  encoded: Uint8Array;
}

export type Initializer = TensorProto | EncodedTensor;

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  unknown: Uint8Array[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: AttributeProto[];
  unknown: Uint8Array[];
}

/** One dimension: a fixed size, a symbolic name, or neither (unknown). */
export interface Dimension {
  value?: number;
  param?: string;
  unknown: Uint8Array[];
}

export interface TensorType {
  elemType: number;
  /** Absent means unknown rank. */
  shape?: Dimension[];
  shapeUnknown: Uint8Array[];
  unknown: Uint8Array[];
}

export interface TypeProto {
  tensorType?: TensorType;
  unknown: Uint8Array[];
}

export interface ValueInfoProto {
  name: string;
  type?: TypeProto;
  unknown: Uint8Array[];
}

export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: Initializer[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  unknown: Uint8Array[];
}

export interface OperatorSetId {
  domain: string;
  version: number;
}

export interface ModelProto {
  irVersion: number;
  opsetImport: OperatorSetId[];
  producerName: string;
  producerVersion: string;
  graph: GraphProto;
  unknown: Uint8Array[];
}

// ---------------------------------------------------------------- decoding

/** Runs `onField` for each field; fields it does not consume (returns false) are kept raw. */
function eachField(
  bytes: Uint8Array,
  onField: (field: number, wire: WireType, r: ProtoReader) => boolean,
): Uint8Array[] {
  const r = new ProtoReader(bytes);
  const unknown: Uint8Array[] = [];
  while (!r.done) {
    const start = r.pos;
    const [field, wire] = r.tag();
    if (!onField(field, wire, r)) unknown.push(r.rawSince(start, wire));
  }
  return unknown;
}

const readInt64 = (r: ProtoReader) => r.int64();
const readFloat = (r: ProtoReader) => r.float();
const readDouble = (r: ProtoReader) => r.double();

export function decodeTensor(bytes: Uint8Array): TensorProto {
  const t: TensorProto = { name: '', dims: [], dataType: 0, unknown: [] };
  t.unknown = eachField(bytes, (field, wire, r) => {
    switch (field) {
      case 1:
        r.repeated(wire, readInt64, t.dims);
        return true;
      case 2:
        t.dataType = r.uint();
        return true;
      case 4:
        r.repeated(wire, readFloat, (t.floatData ??= []));
        return true;
      case 5:
        r.repeated(wire, readInt64, (t.int32Data ??= []));
        return true;
      case 7:
        r.repeated(wire, readInt64, (t.int64Data ??= []));
        return true;
      case 8:
        t.name = r.string();
        return true;
      case 9:
        t.rawData = r.bytes();
        return true;
      case 10:
        r.repeated(wire, readDouble, (t.doubleData ??= []));
        return true;
      default:
        return false;
    }
  });
  return t;
}

function decodeAttribute(bytes: Uint8Array): AttributeProto {
  const a: AttributeProto = { name: '', type: 0, unknown: [] };
  a.unknown = eachField(bytes, (field, wire, r) => {
    switch (field) {
      case 1:
        a.name = r.string();
        return true;
      case 20:
        a.type = r.uint();
        return true;
      case 2:
        a.f = r.float();
        return true;
      case 3:
        a.i = r.int64();
        return true;
      case 4:
        a.s = r.bytes();
        return true;
      case 5:
        a.t = decodeTensor(r.bytes());
        return true;
      case 7:
        r.repeated(wire, readFloat, (a.floats ??= []));
        return true;
      case 8:
        r.repeated(wire, readInt64, (a.ints ??= []));
        return true;
      case 9:
        (a.strings ??= []).push(r.bytes());
        return true;
      default:
        return false;
    }
  });
  return a;
}

function decodeNode(bytes: Uint8Array): NodeProto {
  const n: NodeProto = { input: [], output: [], name: '', opType: '', domain: '', attribute: [], unknown: [] };
  n.unknown = eachField(bytes, (field, _wire, r) => {
    switch (field) {
      case 1:
        n.input.push(r.string());
        return true;
      case 2:
        n.output.push(r.string());
        return true;
      case 3:
        n.name = r.string();
        return true;
      case 4:
        n.opType = r.string();
        return true;
      case 7:
        n.domain = r.string();
        return true;
      case 5:
        n.attribute.push(decodeAttribute(r.bytes()));
        return true;
      default:
        return false;
    }
  });
  return n;
}

function decodeDimension(bytes: Uint8Array): Dimension {
  const d: Dimension = { unknown: [] };
  d.unknown = eachField(bytes, (field, _wire, r) => {
    if (field === 1) d.value = r.int64();
    else if (field === 2) d.param = r.string();
    else return false;
    return true;
  });
  return d;
}

function decodeTensorType(bytes: Uint8Array): TensorType {
  const t: TensorType = { elemType: 0, shapeUnknown: [], unknown: [] };
  t.unknown = eachField(bytes, (field, _wire, r) => {
    if (field === 1) {
      t.elemType = r.uint();
      return true;
    }
    if (field === 2) {
      const shape: Dimension[] = [];
      t.shapeUnknown = eachField(r.bytes(), (inner, _w, rr) => {
        if (inner !== 1) return false;
        shape.push(decodeDimension(rr.bytes()));
        return true;
      });
      t.shape = shape;
      return true;
    }
    return false;
  });
  return t;
}

function decodeValueInfo(bytes: Uint8Array): ValueInfoProto {
  const v: ValueInfoProto = { name: '', unknown: [] };
  v.unknown = eachField(bytes, (field, _wire, r) => {
    if (field === 1) {
      v.name = r.string();
      return true;
    }
    if (field === 2) {
      const type: TypeProto = { unknown: [] };
      type.unknown = eachField(r.bytes(), (inner, _w, rr) => {
        if (inner !== 1) return false;
        type.tensorType = decodeTensorType(rr.bytes());
        return true;
      });
      v.type = type;
      return true;
    }
    return false;
  });
  return v;
}

export function decodeGraph(bytes: Uint8Array): GraphProto {
  const g: GraphProto = { node: [], name: '', initializer: [], input: [], output: [], valueInfo: [], unknown: [] };
  g.unknown = eachField(bytes, (field, _wire, r) => {
    switch (field) {
      case 1:
        g.node.push(decodeNode(r.bytes()));
        return true;
      case 2:
        g.name = r.string();
        return true;
      case 5:
        g.initializer.push({ encoded: r.bytes() });
        return true;
      case 11:
        g.input.push(decodeValueInfo(r.bytes()));
        return true;
      case 12:
        g.output.push(decodeValueInfo(r.bytes()));
        return true;
      case 13:
        g.valueInfo.push(decodeValueInfo(r.bytes()));
        return true;
      default:
        return false;
    }
  });
  return g;
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  const m: ModelProto = { irVersion: 0, opsetImport: [], producerName: '', producerVersion: '', graph: emptyGraph(), unknown: [] };
  let sawGraph = false;
  m.unknown = eachField(bytes, (field, _wire, r) => {
    switch (field) {
      case 1:
        m.irVersion = r.uint();
        return true;
      case 2:
        m.producerName = r.string();
        return true;
      case 3:
        m.producerVersion = r.string();
        return true;
      case 7:
        m.graph = decodeGraph(r.bytes());
        sawGraph = true;
        return true;
      case 8: {
        const opset: OperatorSetId = { domain: '', version: 0 };
        eachField(r.bytes(), (inner, _w, rr) => {
          if (inner === 1) opset.domain = rr.string();
          else if (inner === 2) opset.version = rr.int64();
          else return false;
          return true;
        });
        m.opsetImport.push(opset);
        return true;
      }
      default:
        return false;
    }
  });
  if (!sawGraph) throw new Error('not an ONNX model: no graph found');
  return m;
}

export function emptyGraph(name = ''): GraphProto {
  return { node: [], name, initializer: [], input: [], output: [], valueInfo: [], unknown: [] };
}

/** The initializer decoded (its raw_data stays a view of the file bytes). */
export function initializerTensor(init: Initializer): TensorProto {
  return 'encoded' in init ? decodeTensor(init.encoded) : init;
}

// ---------------------------------------------------------------- encoding

function writeUnknown(w: ProtoWriter, unknown: readonly Uint8Array[]): ProtoWriter {
  for (const raw of unknown) w.raw(raw);
  return w;
}

function writeStringIfSet(w: ProtoWriter, field: number, value: string): void {
  if (value !== '') w.stringField(field, value);
}

export function encodeTensor(t: TensorProto): ProtoWriter {
  const w = new ProtoWriter();
  // Non-packed dims, as the ONNX (proto2) C++ serializer writes them.
  for (const d of t.dims) w.int64Field(1, d);
  w.uintField(2, t.dataType);
  if (t.floatData) w.packedFloatField(4, t.floatData);
  if (t.int32Data) w.packedInt64Field(5, t.int32Data);
  if (t.int64Data) w.packedInt64Field(7, t.int64Data);
  writeStringIfSet(w, 8, t.name);
  if (t.rawData) w.bytesField(9, t.rawData);
  if (t.doubleData) {
    const inner = new ProtoWriter();
    for (const v of t.doubleData) inner.double(v);
    w.messageField(10, inner);
  }
  return writeUnknown(w, t.unknown);
}

function encodeAttribute(a: AttributeProto): ProtoWriter {
  const w = new ProtoWriter();
  w.stringField(1, a.name);
  if (a.f !== undefined) w.floatField(2, a.f);
  if (a.i !== undefined) w.int64Field(3, a.i);
  if (a.s !== undefined) w.bytesField(4, a.s);
  if (a.t !== undefined) w.messageField(5, encodeTensor(a.t));
  if (a.floats) for (const f of a.floats) w.floatField(7, f);
  if (a.ints) for (const i of a.ints) w.int64Field(8, i);
  if (a.strings) for (const s of a.strings) w.bytesField(9, s);
  w.uintField(20, a.type);
  return writeUnknown(w, a.unknown);
}

function encodeNode(n: NodeProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.input) w.stringField(1, i);
  for (const o of n.output) w.stringField(2, o);
  writeStringIfSet(w, 3, n.name);
  w.stringField(4, n.opType);
  for (const a of n.attribute) w.messageField(5, encodeAttribute(a));
  writeStringIfSet(w, 7, n.domain);
  return writeUnknown(w, n.unknown);
}

function encodeValueInfo(v: ValueInfoProto): ProtoWriter {
  const w = new ProtoWriter();
  w.stringField(1, v.name);
  if (v.type) {
    const type = new ProtoWriter();
    const tt = v.type.tensorType;
    if (tt) {
      const tensor = new ProtoWriter();
      tensor.uintField(1, tt.elemType);
      if (tt.shape) {
        const shape = new ProtoWriter();
        for (const d of tt.shape) {
          const dim = new ProtoWriter();
          if (d.value !== undefined) dim.int64Field(1, d.value);
          if (d.param !== undefined) dim.stringField(2, d.param);
          shape.messageField(1, writeUnknown(dim, d.unknown));
        }
        tensor.messageField(2, writeUnknown(shape, tt.shapeUnknown));
      }
      type.messageField(1, writeUnknown(tensor, tt.unknown));
    }
    w.messageField(2, writeUnknown(type, v.type.unknown));
  }
  return writeUnknown(w, v.unknown);
}

export function encodeGraph(g: GraphProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.node) w.messageField(1, encodeNode(n));
  writeStringIfSet(w, 2, g.name);
  for (const init of g.initializer) {
    if ('encoded' in init) w.bytesField(5, init.encoded);
    else w.messageField(5, encodeTensor(init));
  }
  for (const v of g.input) w.messageField(11, encodeValueInfo(v));
  for (const v of g.output) w.messageField(12, encodeValueInfo(v));
  for (const v of g.valueInfo) w.messageField(13, encodeValueInfo(v));
  return writeUnknown(w, g.unknown);
}

/** The model as a list of byte chunks (large initializers are referenced, lazy ones produced on write). */
export function encodeModelChunks(m: ModelProto): Chunk[] {
  const w = new ProtoWriter();
  w.uintField(1, m.irVersion);
  writeStringIfSet(w, 2, m.producerName);
  writeStringIfSet(w, 3, m.producerVersion);
  w.messageField(7, encodeGraph(m.graph));
  for (const opset of m.opsetImport) {
    const o = new ProtoWriter();
    writeStringIfSet(o, 1, opset.domain);
    o.int64Field(2, opset.version);
    w.messageField(8, o);
  }
  writeUnknown(w, m.unknown);
  return w.chunks();
}

export function encodeModel(m: ModelProto): Uint8Array {
  const w = new ProtoWriter();
  for (const c of encodeModelChunks(m)) w.raw(c);
  return w.finish();
}

// ---------------------------------------------------------------- tensor data

function rawBytes(t: TensorProto): Uint8Array | undefined {
  if (!t.rawData) return undefined;
  if (!(t.rawData instanceof Uint8Array)) return t.rawData.produce();
  return t.rawData;
}

/** A float tensor's values (from raw_data or float_data), as a fresh Float32Array. */
export function tensorFloats(t: TensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`tensor '${t.name}' is not float32 (data_type ${t.dataType})`);
  const raw = rawBytes(t);
  if (raw) {
    // Copy (not Buffer#slice, which is a view): the slice may not be 4-byte aligned in the file buffer.
    const copy = new Uint8Array(raw.byteLength);
    copy.set(raw);
    return new Float32Array(copy.buffer);
  }
  return Float32Array.from(t.floatData ?? []);
}

/** An int64/int32 tensor's values as numbers (shape constants, axes). */
export function tensorInts(t: TensorProto): number[] {
  const raw = rawBytes(t);
  if (t.dataType === DataType.INT64) {
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    }
    return [...(t.int64Data ?? [])];
  }
  if (t.dataType === DataType.INT32) {
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
    }
    return [...(t.int32Data ?? [])];
  }
  throw new Error(`tensor '${t.name}' is not an integer tensor (data_type ${t.dataType})`);
}

export const attributeString = (a: AttributeProto | undefined) => (a?.s ? utf8.decode(a.s) : undefined);
