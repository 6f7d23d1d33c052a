/**
 * Writes the backward nodes: fresh tensor names, memoized constants and shapes, and `sumTo`, the one
 * place broadcasting is undone. Emitted ops are those of ONNX opsets 13–17 (ReduceSum and Split take
 * axes/sizes as inputs, ReduceMean as an attribute, ScatterND/ScatterElements with reduction 'add' from
 * opset 16), so the training graph runs at opset 17.
 */
import { floatTensor, int64Tensor, makeNode, type AttributeValue } from '../../backbones/onnx/build.ts';
import type { NodeProto } from '../../backbones/onnx/model.ts';
import { sameDim, type Dim, type ShapeTable } from './shapes.ts';

export class Emitter {
  readonly nodes: NodeProto[] = [];
  private counter = 0;
  private readonly constants = new Map<string, string>();
  private readonly shapes = new Map<string, string>();

  constructor(
    private readonly taken: Set<string>,
    readonly table: ShapeTable,
  ) {}

  fresh(hint: string): string {
    let name: string;
    do name = `grad/${hint}_${this.counter++}`;
    while (this.taken.has(name));
    this.taken.add(name);
    return name;
  }

  /** One node with one output; returns the output's name (`output` when given). */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, output?: string): string {
    return this.opN(opType, inputs, 1, attributes, output ? [output] : undefined)[0]!;
  }

  opN(opType: string, inputs: string[], outputs: number, attributes: Record<string, AttributeValue> = {}, names?: string[]): string[] {
    const out = names ?? Array.from({ length: outputs }, () => this.fresh(opType));
    this.nodes.push(makeNode(opType, inputs, out, this.fresh(`${opType}/node`), attributes));
    return out;
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.memoConstant(`f:${value}`, () => floatTensor('', [], Float32Array.of(value)));
  }

  /** A 1-D int64 constant (axes, shapes, sizes). */
  ints(values: number[]): string {
    return this.memoConstant(`i:${values.join(',')}`, () => int64Tensor('', [values.length], values));
  }

  /** A 0-D int64 constant. */
  intScalar(value: number): string {
    return this.memoConstant(`s:${value}`, () => int64Tensor('', [], [value]));
  }

  shapeOf(tensor: string): string {
    let shape = this.shapes.get(tensor);
    if (!shape) this.shapes.set(tensor, (shape = this.op('Shape', [tensor])));
    return shape;
  }

  /** Float zeros shaped like `tensor`. */
  zerosLike(tensor: string): string {
    return this.op('ConstantOfShape', [this.shapeOf(tensor)], { value: floatTensor('', [1], Float32Array.of(0)) });
  }

  /** `x` with the shape of forward tensor `like` (Reshape to its run-time shape). */
  reshapeLike(x: string, like: string): string {
    return this.op('Reshape', [x, this.shapeOf(like)]);
  }

  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }
  neg(a: string): string {
    return this.op('Neg', [a]);
  }
  reduceSum(x: string, axes: number[], keepdims: boolean): string {
    return this.op('ReduceSum', [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 });
  }
  reduceMean(x: string, axes: number[], keepdims: boolean): string {
    return this.op('ReduceMean', [x], { axes, keepdims: keepdims ? 1 : 0 });
  }
  /** Swaps the last two axes of a rank-`rank` tensor. */
  transposeLastTwo(x: string, rank: number): string {
    const perm = Array.from({ length: rank }, (_, i) => i);
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
    return this.op('Transpose', [x], { perm });
  }

  /**
   * Undoes broadcasting: sums `grad` (shaped `gradDims`, the broadcast result) down to the shape of
   * forward tensor `target`. With both shapes known the axes are constants (and nothing is emitted when
   * no axis was broadcast); otherwise the axes are found at run time: `target`'s shape, left-padded with
   * ones to the gradient's rank, is 1 exactly where a sum is due.
   */
  sumTo(grad: string, gradDims: Dim[] | undefined, target: string): string {
    const targetDims = this.table.dims(target);
    const axes = gradDims && targetDims ? broadcastAxes(gradDims, targetDims) : undefined;
    if (!axes) return this.dynamicSumTo(grad, target);
    const lead = gradDims!.length - targetDims!.length;
    if (axes.length === 0) return grad;
    if (axes.every((a) => a < lead)) return this.reduceSum(grad, axes, false);
    const kept = this.reduceSum(grad, axes, true);
    return lead === 0 ? kept : this.op('Squeeze', [kept, this.ints(Array.from({ length: lead }, (_, i) => i))]);
  }

  private dynamicSumTo(grad: string, target: string): string {
    const targetShape = this.shapeOf(target);
    const gradShape = this.op('Shape', [grad]);
    const missing = this.sub(this.op('Shape', [gradShape]), this.op('Shape', [targetShape]));
    const ones = this.op('ConstantOfShape', [missing], { value: int64Tensor('', [1], [1]) });
    const padded = this.op('Concat', [ones, targetShape], { axis: 0 });
    const axes = this.op('Reshape', [this.op('NonZero', [this.op('Equal', [padded, this.ints([1])])]), this.ints([-1])]);
    const summed = this.op('ReduceSum', [grad, axes], { keepdims: 1, noop_with_empty_axes: 1 });
    return this.op('Reshape', [summed, targetShape]);
  }

  private memoConstant(key: string, tensor: () => ReturnType<typeof floatTensor>): string {
    let name = this.constants.get(key);
    if (!name) this.constants.set(key, (name = this.op('Constant', [], { value: tensor() })));
    return name;
  }
}

/** Axes of `gradDims` to sum so that it becomes `targetDims`; undefined when the shapes cannot tell. */
function broadcastAxes(gradDims: Dim[], targetDims: Dim[]): number[] | undefined {
  const lead = gradDims.length - targetDims.length;
  if (lead < 0) return undefined;
  const axes = Array.from({ length: lead }, (_, i) => i);
  for (let i = 0; i < targetDims.length; i++) {
    const [t, g] = [targetDims[i]!, gradDims[lead + i]!];
    if (sameDim(t, g)) continue;
    if (t === 1) axes.push(lead + i);
    else return undefined;
  }
  return axes;
}

