/** Constructors for ONNX messages built from scratch (generated fixtures, added graph outputs). */
import { utf8, type Chunk } from './protobuf.ts';
import { AttributeType, DataType, type AttributeProto, type Dimension, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './model.ts';

export type AttributeValue = number | string | number[] | TensorProto | { float: number };

/** An attribute from a JS value: integers become INT, `{ float }` FLOAT, arrays INTS, strings STRING. */
export function makeAttribute(name: string, value: AttributeValue): AttributeProto {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: use { float } for non-integers`);
    return { name, type: AttributeType.INT, i: value, unknown: [] };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: utf8.encode(value), unknown: [] };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value, unknown: [] };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float, unknown: [] };
  return { name, type: AttributeType.TENSOR, t: value, unknown: [] };
}

export function makeNode(
  opType: string,
  input: string[],
  output: string[],
  name: string,
  attributes: Record<string, AttributeValue> = {},
  domain = '',
): NodeProto {
  return {
    input,
    output,
    name,
    opType,
    domain,
    attribute: Object.entries(attributes).map(([key, value]) => makeAttribute(key, value)),
    unknown: [],
  };
}

export function floatTensor(name: string, dims: number[], data: Float32Array | Chunk): TensorProto {
  const rawData = data instanceof Float32Array ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data;
  return { name, dims, dataType: DataType.FLOAT, rawData, unknown: [] };
}

export function int64Tensor(name: string, dims: number[], values: number[]): TensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims, dataType: DataType.INT64, rawData: raw, unknown: [] };
}

/** A tensor value-info; each dim is a fixed size, a symbolic name, or null for unknown. */
export function tensorValueInfo(name: string, elemType: number, dims: Array<number | string | null>): ValueInfoProto {
  const shape: Dimension[] = dims.map((d) =>
    typeof d === 'number' ? { value: d, unknown: [] } : typeof d === 'string' ? { param: d, unknown: [] } : { unknown: [] },
  );
  return { name, type: { tensorType: { elemType, shape, shapeUnknown: [], unknown: [] }, unknown: [] }, unknown: [] };
}

/**
 * A model as torch.onnx.export writes it for the generated fixtures: IR 8, default domain at opset 17 (or
 * `opset`), and version 1 of any other domain its nodes use (ONNX Runtime's com.microsoft ops).
 */
export function opset17Model(graph: GraphProto, opset = 17): ModelProto {
  const domains = [...new Set(graph.node.map((n) => n.domain).filter((d) => d))].map((domain) => ({ domain, version: 1 }));
  return { irVersion: 8, opsetImport: [{ domain: '', version: opset }, ...domains], producerName: 'transferkit', producerVersion: '1', graph, unknown: [] };
}
