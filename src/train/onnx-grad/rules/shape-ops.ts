/**
 * Ops that move values without arithmetic: reshapes, transposes, concatenation, slicing, gathering, and
 * the reductions. Their gradients route dY back to where each value came from (scatter-adding where an
 * input value was read more than once, as Gather of repeated token ids does).
 */
import { floatTensor } from '../../../backbones/onnx/build.ts';
import { DataType } from '../../../backbones/onnx/model.ts';
import type { Emitter } from '../emitter.ts';
import { intAttr, intsAttr } from '../shapes.ts';
import { forInputs, outputGrad, type VjpContext, type VjpRule } from './rule.ts';

const normalize = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Same values, new shape: the gradient is dY reshaped back. */
const reshapeBack: VjpRule = (c) => forInputs(c, (i) => (i === 0 ? c.e.reshapeLike(outputGrad(c), c.node.input[0]!) : undefined));

/** int64 indices with negatives wrapped (Gather accepts -1 = last; ScatterND wants them in range). */
function wrappedIndices(e: Emitter, indices: string, data: string, axis: number, elemType: number): string {
  const asInt64 = elemType === DataType.INT64 ? indices : e.op('Cast', [indices], { to: DataType.INT64 });
  const size = e.op('Gather', [e.shapeOf(data), e.intScalar(axis)]);
  return e.op('Where', [e.op('Less', [asInt64, e.intScalar(0)]), e.add(asInt64, size), asInt64]);
}

/** The reduced axes of a Reduce* node (all when none given), normalized. */
function reducedAxes(c: VjpContext): number[] | 'dynamic' {
  const x = c.node.input[0]!;
  const axes = c.shapes.reduceAxes(c.node);
  if (axes === undefined && c.node.input[1]) return 'dynamic';
  const rank = c.shapes.requireRank(x, c.node);
  return (axes === undefined || axes.length === 0 ? range(rank) : axes).map((a) => normalize(a, rank));
}

/** dY of a ReduceSum/ReduceMean broadcast back over the reduced axes. */
function expandReduced(c: VjpContext): string {
  const { e, node } = c;
  const dy = outputGrad(c);
  const x = node.input[0]!;
  const axes = c.shapes.reduceAxes(node);
  if (intAttr(node, 'noop_with_empty_axes', 0) === 1 && axes?.length === 0) return dy;
  let kept = dy;
  if (intAttr(node, 'keepdims', 1) === 0) {
    const reduced = reducedAxes(c);
    if (reduced === 'dynamic') throw new Error(`addGradients: ${node.opType} node '${node.name}' with keepdims=0 needs constant axes`);
    kept = e.op('Unsqueeze', [dy, e.ints(reduced)]);
  }
  return e.op('Expand', [kept, e.shapeOf(x)]);
}

export const shapeRules: Record<string, VjpRule> = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Expand: (c) => forInputs(c, (i) => (i === 0 ? c.e.sumTo(outputGrad(c), c.shapes.dims(c.node.output[0]!), c.node.input[0]!) : undefined)),

  Transpose: (c) => {
    const x = c.node.input[0]!;
    const perm = intsAttr(c.node, 'perm') ?? range(c.shapes.requireRank(x, c.node)).reverse();
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return forInputs(c, () => c.e.op('Transpose', [outputGrad(c)], { perm: inverse }));
  },

  /** dY split back into the inputs' extents along the axis (sizes from the run-time shapes). */
  Concat: (c) => {
    const { e, node } = c;
    const dy = outputGrad(c);
    if (node.input.length === 1) return forInputs(c, () => dy);
    const axis = intAttr(node, 'axis', 0);
    const rank = c.shapes.requireRank(node.input[0]!, node);
    const extent = (t: string) => {
      const d = c.shapes.dims(t)?.[normalize(axis, rank)];
      return typeof d === 'number' ? e.ints([d]) : e.op('Gather', [e.shapeOf(t), e.ints([normalize(axis, rank)])]);
    };
    const sizes = e.op('Concat', node.input.map(extent), { axis: 0 });
    const parts = e.opN('Split', [dy, sizes], node.input.length, { axis });
    return forInputs(c, (i) => parts[i]);
  },

  /**
   * dY padded with zeros back to x's shape where the slice is constant with unit steps ([CLS] pooling,
   * the position table): one Pad. Otherwise dY scattered into zeros at the sliced positions, which come
   * from slicing an index map of x the same way, so negative, clamped and strided starts/ends/steps need
   * no case analysis.
   */
  Slice: (c) => {
    const { e, node } = c;
    const x = node.input[0]!;
    return forInputs(c, (i) => {
      if (i !== 0) return undefined;
      const pads = constantSlicePads(c);
      if (pads) return e.op('Pad', [outputGrad(c), e.ints(pads)]);
      const count = e.op('Size', [x]);
      const positions = e.reshapeLike(e.op('Range', [e.intScalar(0), count, e.intScalar(1)]), x);
      const picked = e.op('Slice', [positions, ...node.input.slice(1)]);
      const zeros = e.op('ConstantOfShape', [e.op('Reshape', [count, e.ints([1])])], { value: floatTensor('', [1], Float32Array.of(0)) });
      const flatDy = e.op('Reshape', [outputGrad(c), e.ints([-1])]);
      const scattered = e.op('ScatterND', [zeros, e.op('Reshape', [picked, e.ints([-1, 1])]), flatDy]);
      return e.reshapeLike(scattered, x);
    });
  },

  /** dData: zeros with dY scatter-added at the gathered rows (axis moved to the front and back again). */
  Gather: (c) => {
    const { e, node, shapes } = c;
    const [data, indices] = node.input as [string, string];
    return forInputs(c, (i) => {
      if (i !== 0) return undefined;
      const dy = outputGrad(c);
      const rank = shapes.requireRank(data, node);
      const indexRank = shapes.requireRank(indices, node);
      const axis = normalize(intAttr(node, 'axis', 0), rank);
      const where = e.op('Unsqueeze', [wrappedIndices(e, indices, data, axis, shapes.elemType(indices)), e.ints([-1])]);
      if (axis === 0) return e.op('ScatterND', [e.zerosLike(data), where, dy], { reduction: 'add' });
      // Move the gathered axis first in data, and the index axes first in dY, so ScatterND sees axis 0.
      const dataPerm = [axis, ...range(rank).filter((a) => a !== axis)];
      const dyPerm = [...range(indexRank).map((a) => axis + a), ...range(axis), ...range(rank - 1 - axis).map((a) => axis + indexRank + a)];
      const zeros = e.zerosLike(e.op('Transpose', [data], { perm: dataPerm }));
      const moved = e.op('ScatterND', [zeros, where, e.op('Transpose', [dy], { perm: dyPerm })], { reduction: 'add' });
      return e.op('Transpose', [moved], { perm: dataPerm.map((_, a) => dataPerm.indexOf(a)) });
    });
  },

  GatherElements: (c) => {
    const { e, node, shapes } = c;
    const [data, indices] = node.input as [string, string];
    return forInputs(c, (i) => {
      if (i !== 0) return undefined;
      const axis = normalize(intAttr(node, 'axis', 0), shapes.requireRank(data, node));
      const where = wrappedIndices(e, indices, data, axis, shapes.elemType(indices));
      return e.op('ScatterElements', [e.zerosLike(data), where, outputGrad(c)], { axis, reduction: 'add' });
    });
  },

  ReduceSum: (c) => forInputs(c, (i) => (i === 0 ? expandReduced(c) : undefined)),
  /** As ReduceSum, times (output size / input size) = 1 / (count of values averaged). */
  ReduceMean: (c) =>
    forInputs(c, (i) => {
      if (i !== 0) return undefined;
      const { e, node } = c;
      const [x, y] = [node.input[0]!, node.output[0]!];
      const [xDims, yDims] = [c.shapes.dims(x), c.shapes.dims(y)];
      const count = (dims: typeof xDims) => (dims?.every((d) => typeof d === 'number') ? (dims as number[]).reduce((a, b) => a * b, 1) : undefined);
      const [xCount, yCount] = [count(xDims), count(yDims)];
      const scale =
        xCount !== undefined && yCount !== undefined
          ? e.scalar(yCount / xCount)
          : e.div(e.op('Cast', [e.op('Size', [y])], { to: DataType.FLOAT }), e.op('Cast', [e.op('Size', [x])], { to: DataType.FLOAT }));
      return e.mul(expandReduced(c), scale);
    }),
};

/** Pad's [begin…, end…] that undo a Slice with constant starts/ends/axes, unit steps and a known input shape; else undefined. */
function constantSlicePads({ node, shapes }: VjpContext): number[] | undefined {
  const dims = shapes.dims(node.input[0]!);
  const [starts, ends] = [node.input[1], node.input[2]].map((t) => (t ? shapes.constantInts(t) : undefined));
  if (!dims || !dims.every((d) => typeof d === 'number') || !starts || !ends) return undefined;
  const axes = node.input[3] ? shapes.constantInts(node.input[3]) : starts.map((_, a) => a);
  const steps = node.input[4] ? shapes.constantInts(node.input[4]) : starts.map(() => 1);
  if (!axes || !steps || steps.some((s) => s !== 1)) return undefined;
  const rank = dims.length;
  const pads = new Array<number>(2 * rank).fill(0);
  axes.forEach((axis, j) => {
    const a = normalize(axis, rank);
    const dim = dims[a] as number;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
    const [begin, end] = [clamp(starts[j]!), clamp(ends[j]!)];
    pads[a] = begin;
    pads[rank + a] = dim - Math.max(begin, end);
  });
  return pads;
}
