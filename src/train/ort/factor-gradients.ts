/**
 * Rewrites a differentiated step graph so that the weight gradients of linear layers fed by a few rows
 * come out as their two factors instead of a dense product (see train/factored-gradient.ts for why).
 * onnx-grad's MatMul rule makes a weight's gradient one Gemm(transA) of the flattened input rows A [n, in]
 * and output gradient B [n, out]; where n is small (the [CLS]-only top layer: n = batch rows) the
 * Gemm goes, and A and B become graph outputs. The weight's other gradients (bias, other layers) are
 * untouched.
 */
import { tensorValueInfo } from '../../backbones/onnx/build.ts';
import { DataType, type GraphProto, type NodeProto } from '../../backbones/onnx/model.ts';
import { attr, ShapeTable } from '../onnx-grad/shapes.ts';

export interface GradientFactorOutputs {
  /** Graph outputs: A [rank, rows of W], B [rank, columns of W]; W's gradient is Aᵀ·B. */
  a: string;
  b: string;
  rank: number;
}

/**
 * The largest rank factored: the SIMD update forms each gradient value from `rank` products, so its cost
 * grows with the rank while what it saves does not (measured at 8, the bench's batch: bench/ort-step-profile.ts).
 */
export const MAX_FACTORED_RANK = 8;

/**
 * Factors every gradient (weight → output name in `gradients`) that is a Gemm(transA) of rank n ≤
 * MAX_FACTORED_RANK whose factors are smaller than the product, columns a multiple of 4 (the SIMD
 * update's groups). Those weights leave `gradients`; returns weight → its factor outputs.
 */
export function factorGradients(graph: GraphProto, gradients: Map<string, string>): Map<string, GradientFactorOutputs> {
  const shapes = new ShapeTable(graph);
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, number>();
  for (const node of graph.node) {
    for (const output of node.output) producer.set(output, node);
    for (const input of node.input) consumers.set(input, (consumers.get(input) ?? 0) + 1);
  }
  const factors = new Map<string, GradientFactorOutputs>();
  for (const [weight, output] of gradients) {
    const identity = producer.get(output);
    const gemm = identity?.opType === 'Identity' ? producer.get(identity.input[0]!) : undefined;
    if (!identity || !gemm || !isPlainTransposedGemm(gemm) || consumers.get(gemm.output[0]!) !== 1) continue;
    const [aDims, bDims] = [shapes.dims(gemm.input[0]!), shapes.dims(gemm.input[1]!)];
    if (aDims?.length !== 2 || bDims?.length !== 2) continue;
    const [rank, rows, columns] = [aDims[0], aDims[1], bDims[1]];
    if (typeof rank !== 'number' || typeof rows !== 'number' || typeof columns !== 'number' || bDims[0] !== rank) continue;
    if (rank > MAX_FACTORED_RANK || columns % 4 !== 0 || rank * (rows + columns) >= rows * columns) continue;
    graph.node = graph.node.filter((n) => n !== identity && n !== gemm);
    graph.output = graph.output.filter((o) => o.name !== output);
    const named = { a: `${output}/factor_a`, b: `${output}/factor_b`, rank };
    graph.node.push(
      { ...identity, name: `${identity.name}/factor_a`, input: [gemm.input[0]!], output: [named.a] },
      { ...identity, name: `${identity.name}/factor_b`, input: [gemm.input[1]!], output: [named.b] },
    );
    graph.output.push(tensorValueInfo(named.a, DataType.FLOAT, [rank, rows]), tensorValueInfo(named.b, DataType.FLOAT, [rank, columns]));
    gradients.delete(weight);
    factors.set(weight, named);
  }
  return factors;
}

/** Gemm(A, B) with transA = 1 and nothing else: Aᵀ·B. */
function isPlainTransposedGemm(node: NodeProto): boolean {
  return (
    node.opType === 'Gemm' &&
    node.input.length === 2 &&
    attr(node, 'transA')?.i === 1 &&
    (attr(node, 'transB')?.i ?? 0) === 0 &&
    (attr(node, 'alpha')?.f ?? 1) === 1
  );
}
