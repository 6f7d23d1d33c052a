/**
 * Element types and shapes of a graph's tensors, inferred for the op subset the differentiator knows.
 * Why our own: the gradient rules need each tensor's rank (MatMul's last-two-axes transpose, the
 * LayerNorm axes, Gather's axis moves) and, where the shapes say so, which axes a broadcast added, so
 * that a gradient is sum-reduced with constant axes (or not at all) instead of with Shape/NonZero
 * arithmetic at run time. ONNX Runtime's own inference is not reachable from JavaScript. A dimension is
 * a number, a symbolic name (`batch_size`: equal names are equal sizes, as ONNX defines) or null
 * (unknown); an unknown rank leaves `dims` undefined and the rules fall back to run-time shapes.
 */
import { attributeString, DataType, initializerTensor, type GraphProto, type NodeProto } from '../../backbones/onnx/model.ts';
import { GraphIndex } from '../../backbones/onnx/graph-index.ts';

export type Dim = number | string | null;

export interface TensorInfo {
  elemType: number;
  /** Undefined: rank unknown. */
  dims?: Dim[];
}

/** Ops whose outputs are integer/boolean or whose derivative is zero almost everywhere: gradients stop there. */
export const NON_DIFFERENTIABLE_OPS = new Set([
  'Shape', 'Size', 'Constant', 'ConstantOfShape', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor',
  'ArgMax', 'ArgMin', 'NonZero', 'Range', 'OneHot', 'Floor', 'Ceil', 'Round', 'Sign', 'IsNaN', 'IsInf', 'RandomNormal', 'RandomUniform',
  'RandomNormalLike', 'RandomUniformLike', 'EyeLike',
]);

const BOOL_OPS = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const BROADCAST_OPS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'PRelu', 'Mod', ...BOOL_OPS]);
const REDUCE_OPS = new Set(['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL2', 'ReduceL1', 'ReduceSumSquare', 'ReduceLogSumExp']);

export function attr(node: NodeProto, name: string): NodeProto['attribute'][number] | undefined {
  return node.attribute.find((a) => a.name === name);
}
export const intAttr = (node: NodeProto, name: string, fallback: number): number => attr(node, name)?.i ?? fallback;
export const floatAttr = (node: NodeProto, name: string, fallback: number): number => attr(node, name)?.f ?? fallback;
export const intsAttr = (node: NodeProto, name: string): number[] | undefined => attr(node, name)?.ints;
export const stringAttr = (node: NodeProto, name: string, fallback: string): string => attributeString(attr(node, name)) ?? fallback;

/** Same size for sure: equal numbers or equal symbolic names. */
export function sameDim(a: Dim, b: Dim): boolean {
  return a !== null && a === b;
}

export function broadcastDims(shapes: (Dim[] | undefined)[]): Dim[] | undefined {
  if (shapes.some((s) => s === undefined)) return undefined;
  const known = shapes as Dim[][];
  const rank = Math.max(0, ...known.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    const dims = known.map((s) => s[i - rank + s.length]).filter((d): d is Dim => d !== undefined);
    const notOne = dims.filter((d) => d !== 1);
    if (notOne.length === 0) return 1;
    if (notOne.every((d) => sameDim(d, notOne[0]!))) return notOne[0]!;
    return notOne.find((d) => typeof d === 'number') ?? null;
  });
}

const normalizeAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

export class ShapeTable {
  readonly info = new Map<string, TensorInfo>();
  private readonly shapeValues = new Map<string, Dim[]>();
  readonly index: GraphIndex;
  /** The graph's nodes in topological order. */
  readonly order: NodeProto[];

  constructor(graph: GraphProto) {
    this.index = new GraphIndex(graph);
    this.order = this.index.topologicalOrder();
    for (const v of [...graph.input, ...graph.valueInfo, ...graph.output]) {
      const tt = v.type?.tensorType;
      if (!tt || this.info.has(v.name)) continue;
      this.info.set(v.name, { elemType: tt.elemType, dims: tt.shape?.map((d) => d.value ?? d.param ?? null) });
    }
    for (const init of graph.initializer) {
      const t = initializerTensor(init);
      this.info.set(t.name, { elemType: t.dataType, dims: t.dims.slice() });
    }
    for (const node of this.order) {
      this.inferNode(node);
      this.propagateValues(node);
    }
  }

  get(name: string): TensorInfo | undefined {
    return this.info.get(name);
  }
  dims(name: string): Dim[] | undefined {
    return this.info.get(name)?.dims;
  }
  rank(name: string): number | undefined {
    return this.info.get(name)?.dims?.length;
  }
  elemType(name: string): number {
    return this.info.get(name)?.elemType ?? 0;
  }
  /**
   * What an integer tensor holds, where shape arithmetic makes it known: constants, and values computed
   * from Shape (symbolic sizes such as `sequence_length`) through Gather, Unsqueeze, Concat, ... as
   * exporters write dynamic Reshape targets and Slice ends.
   */
  values(name: string): Dim[] | undefined {
    if (!name) return undefined;
    return this.shapeValues.get(name) ?? this.index.constantInts(name);
  }

  /** Values of an integer tensor known to be constant numbers. */
  constantInts(name: string): number[] | undefined {
    const values = this.values(name);
    return values?.every((v) => typeof v === 'number') ? (values as number[]) : undefined;
  }

  /** A rank the gradient rule cannot do without: a clear error when inference did not find it. */
  requireRank(name: string, node: NodeProto): number {
    const rank = this.rank(name);
    if (rank === undefined) throw new Error(`addGradients: the rank of '${name}' (input of ${node.opType} node '${node.name}') is unknown; give the graph input shapes`);
    return rank;
  }

  /** Axes of a Reduce* node: the `axes` attribute (opset < 18 for most) or a constant second input. */
  reduceAxes(node: NodeProto): number[] | undefined {
    return intsAttr(node, 'axes') ?? (node.input[1] ? this.constantInts(node.input[1]) : undefined);
  }

  private set(name: string, elemType: number, dims: Dim[] | undefined): void {
    if (!name) return;
    const declared = this.info.get(name);
    // A declared shape (value_info) wins when inference knows less.
    this.info.set(name, { elemType: elemType || declared?.elemType || 0, dims: dims ?? declared?.dims });
  }

  private inferNode(node: NodeProto): void {
    const inType = (i: number) => this.elemType(node.input[i] ?? '');
    const inDims = (i: number) => (node.input[i] ? this.dims(node.input[i]!) : undefined);
    const out = node.output[0] ?? '';
    const op = node.opType;
    if (BROADCAST_OPS.has(op)) {
      this.set(out, BOOL_OPS.has(op) ? DataType.BOOL : inType(0), broadcastDims(node.input.map((_, i) => inDims(i))));
      return;
    }
    if (REDUCE_OPS.has(op)) {
      this.set(out, inType(0), this.reducedDims(node, inDims(0)));
      return;
    }
    switch (op) {
      case 'Where':
        return this.set(out, inType(1), broadcastDims([inDims(0), inDims(1), inDims(2)]));
      case 'Cast':
        return this.set(out, intAttr(node, 'to', 0), inDims(0));
      case 'Constant': {
        const t = attr(node, 'value')?.t;
        if (t) return this.set(out, t.dataType, t.dims.slice());
        return this.set(out, attr(node, 'value_float') ? DataType.FLOAT : DataType.INT64, attr(node, 'value_ints') ? [attr(node, 'value_ints')!.ints!.length] : []);
      }
      case 'Shape': {
        const rank = inDims(0)?.length;
        return this.set(out, DataType.INT64, [rank ?? null]);
      }
      case 'Size':
        return this.set(out, DataType.INT64, []);
      case 'NonZero':
        return this.set(out, DataType.INT64, [inDims(0)?.length ?? null, null]);
      case 'ArgMax':
      case 'ArgMin':
        return this.set(out, DataType.INT64, this.reducedDims(node, inDims(0), [intAttr(node, 'axis', 0)]));
      case 'ConstantOfShape': {
        const value = attr(node, 'value')?.t;
        const target = this.values(node.input[0]!);
        const length = inDims(0)?.[0];
        return this.set(out, value?.dataType ?? DataType.FLOAT, target ?? (typeof length === 'number' ? Array<Dim>(length).fill(null) : undefined));
      }
      case 'Range':
        return this.set(out, inType(0), [null]);
      case 'MatMul':
        return this.set(out, inType(0), matMulDims(inDims(0), inDims(1)));
      case 'Gemm': {
        const [a, b] = [inDims(0), inDims(1)];
        const m = a ? a[intAttr(node, 'transA', 0) ? 1 : 0]! : null;
        const n = b ? b[intAttr(node, 'transB', 0) ? 0 : 1]! : null;
        return this.set(out, inType(0), [m, n]);
      }
      case 'LayerNormalization': {
        const x = inDims(0);
        this.set(out, inType(0), x);
        const axis = x ? normalizeAxis(intAttr(node, 'axis', -1), x.length) : 0;
        const stats = x?.map((d, i) => (i < axis ? d : 1));
        for (const extra of node.output.slice(1)) this.set(extra, DataType.FLOAT, stats);
        return;
      }
      case 'Reshape':
        return this.set(out, inType(0), reshapeDims(inDims(0), this.values(node.input[1]!), intAttr(node, 'allowzero', 0) === 1, inDims(1)));
      case 'Transpose': {
        const x = inDims(0);
        const perm = intsAttr(node, 'perm') ?? x?.map((_, i) => x.length - 1 - i);
        return this.set(out, inType(0), x && perm ? perm.map((p) => x[p]!) : undefined);
      }
      case 'Gather': {
        const [data, indices] = [inDims(0), inDims(1)];
        if (!data || !indices) return this.set(out, inType(0), undefined);
        const axis = normalizeAxis(intAttr(node, 'axis', 0), data.length);
        return this.set(out, inType(0), [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)]);
      }
      case 'GatherElements':
        return this.set(out, inType(0), inDims(1));
      case 'Concat': {
        const all = node.input.map((_, i) => inDims(i));
        const first = all[0];
        if (!first || all.some((d) => !d)) return this.set(out, inType(0), undefined);
        const axis = normalizeAxis(intAttr(node, 'axis', 0), first.length);
        const along = all.map((d) => d![axis]);
        const total = along.every((d) => typeof d === 'number') ? (along as number[]).reduce((a, b) => a + b, 0) : null;
        return this.set(out, inType(0), first.map((d, i) => (i === axis ? total : d)));
      }
      case 'Slice': {
        const x = inDims(0);
        const [starts, ends, steps] = [this.values(node.input[1]!), this.values(node.input[2]!), node.input[4] ? this.values(node.input[4]) : undefined];
        const axes = node.input[3] ? this.constantInts(node.input[3]) : starts?.map((_, i) => i);
        if (!x || !axes) return this.set(out, inType(0), x?.map(() => null));
        const dims = x.slice();
        axes.forEach((a, j) => {
          const axis = normalizeAxis(a, x.length);
          dims[axis] = slicedDim(x[axis]!, starts?.[j] ?? null, ends?.[j] ?? null, steps ? (steps[j] ?? null) : 1);
        });
        return this.set(out, inType(0), dims);
      }
      case 'Unsqueeze': {
        const x = inDims(0);
        const axes = intsAttr(node, 'axes') ?? (node.input[1] ? this.constantInts(node.input[1]) : undefined);
        if (!x || !axes) return this.set(out, inType(0), undefined);
        const rank = x.length + axes.length;
        const inserted = new Set(axes.map((a) => normalizeAxis(a, rank)));
        let next = 0;
        return this.set(out, inType(0), Array.from({ length: rank }, (_, i) => (inserted.has(i) ? 1 : x[next++]!)));
      }
      case 'Squeeze': {
        const x = inDims(0);
        const axes = intsAttr(node, 'axes') ?? (node.input[1] ? this.constantInts(node.input[1]) : undefined);
        if (!x) return this.set(out, inType(0), undefined);
        if (!axes) return this.set(out, inType(0), x.every((d) => d !== null) ? x.filter((d) => d !== 1) : undefined);
        const removed = new Set(axes.map((a) => normalizeAxis(a, x.length)));
        return this.set(out, inType(0), x.filter((_, i) => !removed.has(i)));
      }
      case 'Flatten': {
        const x = inDims(0);
        if (!x) return this.set(out, inType(0), [null, null]);
        const axis = normalizeAxis(intAttr(node, 'axis', 1), x.length);
        return this.set(out, inType(0), [product(x.slice(0, axis)), product(x.slice(axis))]);
      }
      case 'Expand': {
        const target = this.values(node.input[1]!);
        const length = inDims(1)?.[0];
        const shape = target ?? (typeof length === 'number' ? Array<Dim>(length).fill(null) : undefined);
        return this.set(out, inType(0), shape ? broadcastDims([inDims(0), shape]) : undefined);
      }
      case 'OneHot': {
        const indices = inDims(0);
        const values = node.input[2] ? this.elemType(node.input[2]) : DataType.FLOAT;
        if (!indices) return this.set(out, values, undefined);
        const dims = [...indices];
        dims.splice(normalizeAxis(intAttr(node, 'axis', -1), indices.length + 1), 0, this.constantInts(node.input[1]!)?.[0] ?? null);
        return this.set(out, values, dims);
      }
      case 'Split': {
        const x = inDims(0);
        const axis = x ? normalizeAxis(intAttr(node, 'axis', 0), x.length) : 0;
        const sizes = intsAttr(node, 'split') ?? (node.input[1] ? this.constantInts(node.input[1]) : undefined);
        node.output.forEach((o, i) => this.set(o, inType(0), x?.map((d, j) => (j === axis ? (sizes?.[i] ?? null) : d))));
        return;
      }
      case 'SoftmaxCrossEntropyLoss':
      case 'NegativeLogLikelihoodLoss': {
        const reduction = stringAttr(node, 'reduction', 'mean');
        this.set(out, inType(0), reduction === 'none' ? inDims(1) : []);
        if (node.output[1]) this.set(node.output[1], inType(0), inDims(0));
        return;
      }
      default:
        // Unary elementwise ops (Erf, Tanh, Relu, Sqrt, Softmax, Identity, Dropout, ...) and anything
        // unknown: same type and shape as the first input. Unknown ops keep their declared shapes, if any.
        this.set(out, BOOL_OPS.has(op) ? DataType.BOOL : inType(0), UNARY_SAME_SHAPE.has(op) ? inDims(0) : undefined);
        for (const extra of node.output.slice(1)) this.set(extra, inType(0), undefined);
    }
  }

  /** Tracks small integer tensors through the ops that exporters use for shape arithmetic. */
  private propagateValues(node: NodeProto): void {
    const out = node.output[0];
    if (!out) return;
    const input = (i: number) => this.values(node.input[i] ?? '');
    let result: Dim[] | undefined;
    switch (node.opType) {
      case 'Shape': {
        const x = this.dims(node.input[0]!);
        if (x) result = x.slice(normalizeAxis(intAttr(node, 'start', 0), x.length), attr(node, 'end') ? normalizeAxis(intAttr(node, 'end', 0), x.length) : x.length);
        break;
      }
      case 'Gather': {
        const [data, indices] = [input(0), this.constantInts(node.input[1]!)];
        if (data && indices && intAttr(node, 'axis', 0) === 0) result = indices.map((i) => data[i < 0 ? i + data.length : i] ?? null);
        break;
      }
      case 'Unsqueeze':
      case 'Squeeze':
      case 'Reshape':
      case 'Identity':
      case 'Cast':
        result = input(0);
        break;
      case 'Concat': {
        const parts = node.input.map((_, i) => input(i));
        if (parts.every(Boolean)) result = parts.flatMap((p) => p!);
        break;
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div': {
        const [a, b] = [input(0), input(1)];
        if (a && b && (a.length === b.length || a.length === 1 || b.length === 1)) {
          result = Array.from({ length: Math.max(a.length, b.length) }, (_, i) => arithmetic(node.opType, a[a.length === 1 ? 0 : i]!, b[b.length === 1 ? 0 : i]!));
        }
        break;
      }
    }
    if (result && result.length <= MAX_TRACKED_VALUES) this.shapeValues.set(out, result);
  }

  private reducedDims(node: NodeProto, x: Dim[] | undefined, axes = this.reduceAxes(node)): Dim[] | undefined {
    if (!x) return undefined;
    const keep = intAttr(node, 'keepdims', 1) === 1;
    if (axes === undefined && node.input[1]) return keep ? x.map(() => null) : undefined;
    const noop = intAttr(node, 'noop_with_empty_axes', 0) === 1;
    if ((axes === undefined || axes.length === 0) && noop) return x;
    const reduced = new Set((axes === undefined || axes.length === 0 ? x.map((_, i) => i) : axes).map((a) => normalizeAxis(a, x.length)));
    return keep ? x.map((d, i) => (reduced.has(i) ? 1 : d)) : x.filter((_, i) => !reduced.has(i));
  }
}

const UNARY_SAME_SHAPE = new Set([
  'Erf', 'Tanh', 'Relu', 'Sqrt', 'Exp', 'Log', 'Neg', 'Abs', 'Reciprocal', 'Sigmoid', 'Softmax', 'LogSoftmax', 'Identity', 'Dropout',
  'Floor', 'Ceil', 'Round', 'Sign', 'IsNaN', 'IsInf', 'Not', 'Gelu',
]);

function product(dims: Dim[]): Dim {
  return dims.every((d) => typeof d === 'number') ? (dims as number[]).reduce((a, b) => a * b, 1) : null;
}

function matMulDims(a: Dim[] | undefined, b: Dim[] | undefined): Dim[] | undefined {
  if (!a || !b) return undefined;
  if (a.length === 1 && b.length === 1) return [];
  if (a.length === 1) return [...b.slice(0, -2), b[b.length - 1]!];
  if (b.length === 1) return a.slice(0, -1);
  const batch = broadcastDims([a.slice(0, -2), b.slice(0, -2)])!;
  return [...batch, a[a.length - 2]!, b[b.length - 1]!];
}

const MAX_TRACKED_VALUES = 16;

function arithmetic(op: string, a: Dim, b: Dim): Dim {
  if (typeof a !== 'number' || typeof b !== 'number') return null;
  if (op === 'Add') return a + b;
  if (op === 'Sub') return a - b;
  if (op === 'Mul') return a * b;
  return b === 0 ? null : Math.trunc(a / b);
}

/**
 * One axis of a Slice: exact for numbers (ONNX clamping rules); `0:n:1` with a symbolic end n is n (the
 * position-ids slice to the sequence length: a longer sequence could not run at all); otherwise unknown.
 */
function slicedDim(dim: Dim, start: Dim, end: Dim, step: Dim): Dim {
  if (typeof start === 'number' && typeof end === 'number' && typeof step === 'number' && typeof dim === 'number' && step !== 0) {
    const wrap = (v: number) => (v < 0 ? v + dim : v);
    if (step > 0) {
      const [from, to] = [Math.min(Math.max(wrap(start), 0), dim), Math.min(Math.max(wrap(end), 0), dim)];
      return Math.max(0, Math.ceil((to - from) / step));
    }
    const [from, to] = [Math.min(Math.max(wrap(start), 0), dim - 1), Math.min(Math.max(wrap(end), -1), dim - 1)];
    return Math.max(0, Math.ceil((from - to) / -step));
  }
  if (start === 0 && step === 1 && typeof end === 'string') return end;
  if (start === 0 && step === 1 && typeof end === 'number' && end >= Number.MAX_SAFE_INTEGER) return dim;
  return null;
}

function reshapeDims(x: Dim[] | undefined, target: Dim[] | undefined, allowZero: boolean, targetDims: Dim[] | undefined): Dim[] | undefined {
  if (!target) {
    const length = targetDims?.[0];
    return typeof length === 'number' ? Array<Dim>(length).fill(null) : undefined;
  }
  const dims: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? (x?.[i] ?? null) : d === -1 ? null : d));
  const inferred = target.indexOf(-1);
  if (inferred >= 0 && x) {
    const total = product(x);
    const rest = product(dims.filter((_, i) => i !== inferred));
    if (typeof total === 'number' && typeof rest === 'number' && rest > 0) dims[inferred] = total / rest;
  }
  return dims;
}
