/**
 * Rewrites an ONNX model file into another, streaming: the source is read field by field (see
 * file-fields.ts) and copied through, except for the initializers an edit replaces, the graph outputs
 * it replaces, and the nodes/initializers it appends. Only small fields (nodes, value infos, tensor
 * headers) are ever decoded, so the memory used does not grow with the model (bert-base is 434 MB).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { inputError } from '../../errors.ts';
import { ProtoError, ProtoReader, ProtoWriter, WireType, chunkBytes, type Chunk } from '../../backbones/onnx/protobuf.ts';
import { DataType, decodeGraph, encodeGraph, encodeTensor, emptyGraph, type NodeProto, type TensorProto, type ValueInfoProto } from '../../backbones/onnx/model.ts';
import { floatTensor } from '../../backbones/onnx/build.ts';
import { FileCursor, type FieldSpan } from './file-fields.ts';

// Field numbers of onnx.proto.
const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
const TENSOR_DATA_LOCATION = 14;
const DATA_LOCATION_EXTERNAL = 1;

export interface InitializerInfo {
  dims: number[];
  dataType: number;
  /** Stored in a separate .onnx_data file rather than in the model. */
  external: boolean;
}

/** What the rewrite learned about the source graph while scanning it (small: no tensor data). */
export interface SourceGraph {
  /** The default-domain (ai.onnx) opset version. */
  opset: number;
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  initializers: Map<string, InitializerInfo>;
  /** Every value name in use (inputs, initializers, node outputs): new names must avoid them. */
  names: Set<string>;
}

export interface GraphEdit {
  /** Initializer name → replacement float32 values (same element count as the original). */
  overrides?: ReadonlyMap<string, Float32Array>;
  /** When given, the graph's outputs become exactly these. */
  outputs?: ValueInfoProto[];
  /** Nodes appended after the graph's own (they may read any of its values), and their initializers. */
  nodes?: NodeProto[];
  initializers?: TensorProto[];
}

/** Output pieces: a byte range of the source, or encoded chunks. */
type Piece = { from: number; to: number } | { chunks: Chunk[] };

/** Appends a source range, merging it with the previous one when they touch (fewer, larger reads). */
function pushRange(pieces: Piece[], from: number, to: number): void {
  const last = pieces[pieces.length - 1];
  if (last && !('chunks' in last) && last.to === from) last.to = to;
  else pieces.push({ from, to });
}

const pieceLength = (p: Piece) => ('chunks' in p ? p.chunks.reduce((n, c) => n + c.byteLength, 0) : p.to - p.from);

/**
 * Streams `sourcePath` to `targetPath` with the edit `plan` returns for the scanned graph. Returns the
 * scanned graph and the bytes written. The target is written in place: callers that need it atomic
 * write it inside a temp folder (as exportOnnx does) or to a temp name.
 */
export async function rewriteOnnxModel(
  sourcePath: string,
  targetPath: string,
  plan: (source: SourceGraph) => GraphEdit,
): Promise<{ source: SourceGraph; bytes: number }> {
  const handle = await open(sourcePath, 'r');
  try {
    const cursor = new FileCursor(handle, (await handle.stat()).size);
    let scanned: Awaited<ReturnType<typeof scanModel>>;
    try {
      scanned = await scanModel(cursor);
    } catch (error) {
      if (error instanceof ProtoError) throw inputError(`not a valid ONNX model (${error.message})`, { file: sourcePath });
      throw error;
    }
    const edit = plan(scanned.source);
    const pieces = layOut(scanned, edit, sourcePath);
    const bytes = await writePieces(handle, targetPath, pieces);
    return { source: scanned.source, bytes };
  } finally {
    await handle.close();
  }
}

interface ScannedModel {
  source: SourceGraph;
  topFields: FieldSpan[];
  graphFields: FieldSpan[];
  /** Initializer name per graph field index (initializer fields only). */
  initializerAt: Map<number, string>;
}

async function scanModel(cursor: FileCursor): Promise<ScannedModel> {
  const topFields: FieldSpan[] = [];
  let opset: number | undefined;
  let graph: FieldSpan | undefined;
  for await (const span of cursor.fields(0, cursor.size)) {
    topFields.push(span);
    if (span.field === MODEL_GRAPH && span.wire === WireType.LengthDelimited) {
      if (graph) throw new ProtoError('the model has more than one graph field');
      graph = span;
    } else if (span.field === MODEL_OPSET_IMPORT && span.wire === WireType.LengthDelimited) {
      const { domain, version } = readOpset(await cursor.read(span.payloadStart, span.end));
      if (domain === '' || domain === 'ai.onnx') opset = version;
    }
  }
  if (!graph) throw new ProtoError('no graph found');
  const source: SourceGraph = { opset: opset ?? 1, inputs: [], outputs: [], initializers: new Map(), names: new Set() };
  const graphFields: FieldSpan[] = [];
  const initializerAt = new Map<number, string>();
  for await (const span of cursor.fields(graph.payloadStart, graph.end)) {
    graphFields.push(span);
    if (span.wire !== WireType.LengthDelimited) continue;
    if (span.field === GRAPH_INITIALIZER) {
      const { name, info } = await scanInitializer(cursor, span);
      source.initializers.set(name, info);
      source.names.add(name);
      initializerAt.set(graphFields.length - 1, name);
    } else if (span.field === GRAPH_NODE || span.field === GRAPH_INPUT || span.field === GRAPH_OUTPUT) {
      // A one-field graph decodes the node or value info with the shared decoder.
      const part = decodeGraph(await cursor.copyOf(span));
      for (const node of part.node) for (const output of node.output) source.names.add(output);
      source.inputs.push(...part.input);
      source.outputs.push(...part.output);
      for (const input of part.input) source.names.add(input.name);
    }
  }
  return { source, topFields, graphFields, initializerAt };
}

function readOpset(bytes: Uint8Array): { domain: string; version: number } {
  const r = new ProtoReader(bytes);
  let domain = '';
  let version = 0;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.LengthDelimited) domain = r.string();
    else if (field === 2 && wire === WireType.Varint) version = r.int64();
    else r.skip(wire);
  }
  return { domain, version };
}

/** Name, shape and type of an initializer, reading its small fields and skipping its data. */
async function scanInitializer(cursor: FileCursor, span: FieldSpan): Promise<{ name: string; info: InitializerInfo }> {
  let name = '';
  const info: InitializerInfo = { dims: [], dataType: 0, external: false };
  for await (const field of cursor.fields(span.payloadStart, span.end)) {
    if (field.field === TENSOR_NAME) name = await cursor.string(field);
    else if (field.field === TENSOR_DATA_TYPE) info.dataType = await cursor.uint(field);
    else if (field.field === TENSOR_DATA_LOCATION) info.external = (await cursor.uint(field)) === DATA_LOCATION_EXTERNAL;
    else if (field.field === TENSOR_DIMS) {
      const bytes = await cursor.read(field.payloadStart, field.end);
      const r = new ProtoReader(bytes);
      if (field.wire === WireType.LengthDelimited) while (!r.done) info.dims.push(r.int64());
      else info.dims.push(r.int64());
    }
  }
  return { name, info };
}

/** The output as pieces: source ranges copied as they are, replaced initializers and appended fields encoded. */
function layOut(scanned: ScannedModel, edit: GraphEdit, sourcePath: string): Piece[] {
  const overrides = edit.overrides ?? new Map<string, Float32Array>();
  for (const [name, values] of overrides) checkOverride(name, values, scanned.source.initializers.get(name), sourcePath);

  const graphPieces: Piece[] = [];
  scanned.graphFields.forEach((span, index) => {
    if (edit.outputs && span.field === GRAPH_OUTPUT) return;
    const name = scanned.initializerAt.get(index);
    const values = name === undefined ? undefined : overrides.get(name);
    if (name === undefined || values === undefined) {
      pushRange(graphPieces, span.start, span.end);
      return;
    }
    const dims = scanned.source.initializers.get(name)!.dims;
    graphPieces.push({ chunks: new ProtoWriter().messageField(GRAPH_INITIALIZER, encodeTensor(floatTensor(name, dims, values))).chunks() });
  });
  // Repeated fields may come in any order in protobuf: the appended ones extend the graph's lists.
  const appended = { ...emptyGraph(), node: edit.nodes ?? [], initializer: edit.initializers ?? [], output: edit.outputs ?? [] };
  graphPieces.push({ chunks: encodeGraph(appended).chunks() });

  const graphLength = graphPieces.reduce((n, p) => n + pieceLength(p), 0);
  const pieces: Piece[] = [];
  for (const span of scanned.topFields) {
    if (span.field !== MODEL_GRAPH) {
      pushRange(pieces, span.start, span.end);
      continue;
    }
    pieces.push({ chunks: new ProtoWriter().tag(MODEL_GRAPH, WireType.LengthDelimited).uint(graphLength).chunks() });
    pieces.push(...graphPieces);
  }
  return pieces;
}

function checkOverride(name: string, values: Float32Array, original: InitializerInfo | undefined, sourcePath: string): void {
  const fail = (why: string) => inputError(`cannot replace initializer '${name}': ${why}`, { file: sourcePath });
  if (!original) throw fail('the graph has no initializer of that name');
  if (original.dataType !== DataType.FLOAT) throw fail(`it is not float32 (data_type ${original.dataType})`);
  if (original.external) throw fail('it is stored as external data');
  const count = original.dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw fail(`it has ${count} values [${original.dims.join(', ')}] but the replacement has ${values.length}`);
}

/** Copy buffer for source ranges. */
const COPY_BUFFER = 4 << 20;

async function writePieces(source: FileHandle, targetPath: string, pieces: Piece[]): Promise<number> {
  const target = await open(targetPath, 'w');
  const buffer = new Uint8Array(COPY_BUFFER);
  let written = 0;
  const writeAll = async (bytes: Uint8Array) => {
    for (let offset = 0; offset < bytes.byteLength; ) offset += (await target.write(bytes, offset, bytes.byteLength - offset)).bytesWritten;
    written += bytes.byteLength;
  };
  try {
    for (const piece of pieces) {
      if ('chunks' in piece) {
        for (const chunk of piece.chunks) await writeAll(chunkBytes(chunk));
        continue;
      }
      for (let pos = piece.from; pos < piece.to; ) {
        const want = Math.min(COPY_BUFFER, piece.to - pos);
        const { bytesRead } = await source.read(buffer, 0, want, pos);
        if (bytesRead === 0) throw new ProtoError(`unexpected end of file at byte ${pos}`);
        await writeAll(buffer.subarray(0, bytesRead));
        pos += bytesRead;
      }
    }
    await target.sync();
  } finally {
    await target.close();
  }
  return written;
}
