/**
 * Reverse-mode differentiation of an ONNX graph: find the nodes between the weights and the loss, walk
 * them in reverse topological order, and let each op's vector-Jacobian rule turn its outputs' gradients
 * into its inputs' gradients. A tensor read by several nodes gets the sum of their contributions.
 * Gradients flow only through float32 tensors; integer and boolean paths (Shape, Gather on shapes,
 * Equal, ConstantOfShape, ...) carry none, so they need no rule.
 */
import { floatTensor, tensorValueInfo } from '../../backbones/onnx/build.ts';
import { DataType, initializerTensor, type GraphProto, type NodeProto } from '../../backbones/onnx/model.ts';
import { Emitter } from './emitter.ts';
import { elementwiseRules } from './rules/elementwise.ts';
import { lossRules } from './rules/loss.ts';
import { matmulRules } from './rules/matmul.ts';
import { normalizationRules } from './rules/normalization.ts';
import type { VjpRule } from './rules/rule.ts';
import { shapeRules } from './rules/shape-ops.ts';
import { NON_DIFFERENTIABLE_OPS, ShapeTable } from './shapes.ts';

export interface GradientRequest {
  /** A scalar float tensor of the graph (a non-scalar loss is differentiated as its sum). */
  loss: string;
  /** Graph inputs or initializers to differentiate with respect to. */
  wrt: string[];
}

export const GRADIENT_RULES: Readonly<Record<string, VjpRule>> = {
  ...elementwiseRules,
  ...matmulRules,
  ...normalizationRules,
  ...shapeRules,
  ...lossRules,
};

/** The ops that have a gradient rule (for docs and error messages). */
export const DIFFERENTIABLE_OPS: readonly string[] = Object.keys(GRADIENT_RULES).sort();

export const gradientName = (wrt: string) => `grad.${wrt}`;

export function addGradients(graph: GraphProto, request: GradientRequest): Map<string, string> {
  const table = new ShapeTable(graph);
  const order = table.order;
  const sources = new Set([...graph.input.map((i) => i.name), ...graph.initializer.map((i) => initializerTensor(i).name)]);
  validate(request, table, sources);

  const reached = reachedFromWeights(order, request.wrt, table);
  const needed = neededForLoss(order, request.loss, reached);
  const taken = new Set<string>([...sources, ...order.flatMap((n) => n.output)]);
  const e = new Emitter(taken, table);

  const contributions = new Map<string, string[]>();
  const contribute = (tensor: string, grad: string) => {
    const list = contributions.get(tensor);
    if (list) list.push(grad);
    else contributions.set(tensor, [grad]);
  };
  const summed = new Map<string, string | undefined>();
  const gradientOf = (tensor: string): string | undefined => {
    if (summed.has(tensor)) return summed.get(tensor);
    const list = contributions.get(tensor);
    const total = !list ? undefined : list.length === 1 ? list[0] : e.op('Sum', list);
    summed.set(tensor, total);
    return total;
  };

  // dLoss/dLoss = 1 (ones shaped like the loss, so a non-scalar loss is its sum).
  contribute(request.loss, e.op('ConstantOfShape', [e.shapeOf(request.loss)], { value: floatTensor('', [1], Float32Array.of(1)) }));

  for (const node of [...order].reverse()) {
    if (!node.output.some((o) => needed.has(o))) continue;
    const dy = node.output.map((o) => (needed.has(o) ? gradientOf(o) : undefined));
    if (!dy.some(Boolean)) continue;
    const needs = node.input.map((i) => Boolean(i) && needed.has(i));
    if (!needs.some(Boolean)) continue;
    const rule = GRADIENT_RULES[qualifiedOp(node)];
    if (!rule) throw unsupported(node, request);
    checkFloat32(node, needs, table);
    const grads = rule({ node, e, shapes: table, dy, needs });
    node.input.forEach((input, i) => {
      const grad = grads[i];
      if (needs[i] && grad) contribute(input, grad);
    });
  }

  const names = new Map<string, string>();
  for (const w of request.wrt) {
    const output = gradientName(w);
    if (taken.has(output)) throw new Error(`addGradients: the graph already has a tensor named '${output}'`);
    const grad = gradientOf(w) ?? e.zerosLike(w);
    e.op('Identity', [grad], {}, output);
    graph.output.push(tensorValueInfo(output, DataType.FLOAT, table.dims(w) ?? []));
    names.set(w, output);
  }
  graph.node.push(...e.nodes);
  return names;
}

function validate(request: GradientRequest, table: ShapeTable, sources: Set<string>): void {
  if (table.elemType(request.loss) !== DataType.FLOAT) {
    throw new Error(`addGradients: loss '${request.loss}' is not a float32 tensor of the graph`);
  }
  for (const w of request.wrt) {
    if (!sources.has(w)) throw new Error(`addGradients: '${w}' is neither a graph input nor an initializer`);
    if (table.elemType(w) !== DataType.FLOAT) throw new Error(`addGradients: '${w}' is not float32; only float32 tensors have gradients`);
  }
}

const FLOATING_TYPES = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE, 16 /* BFLOAT16 */]);

/** Floating-point tensors that depend on a weight through differentiable ops. */
function reachedFromWeights(order: NodeProto[], wrt: string[], table: ShapeTable): Set<string> {
  const reached = new Set(wrt);
  for (const node of order) {
    if (NON_DIFFERENTIABLE_OPS.has(node.opType)) continue;
    if (!node.input.some((i) => i && reached.has(i))) continue;
    for (const out of node.output) if (out && FLOATING_TYPES.has(table.elemType(out))) reached.add(out);
  }
  return reached;
}

/** The rules emit float32 constants: only Cast may touch another floating type (a float64 detour and back). */
function checkFloat32(node: NodeProto, needs: boolean[], table: ShapeTable): void {
  if (node.opType === 'Cast') return;
  const tensors = [...node.input.filter((_, i) => needs[i]), ...node.output.filter(Boolean)];
  const other = tensors.find((t) => FLOATING_TYPES.has(table.elemType(t)) && table.elemType(t) !== DataType.FLOAT);
  if (other) throw new Error(`addGradients: ${node.opType} node '${node.name}' computes in ONNX type ${table.elemType(other)} ('${other}'); gradients are float32 only`);
}

/** Reached tensors the loss depends on: exactly those whose gradient must be computed. */
function neededForLoss(order: NodeProto[], loss: string, reached: Set<string>): Set<string> {
  const needed = new Set(reached.has(loss) ? [loss] : []);
  for (const node of [...order].reverse()) {
    if (!node.output.some((o) => needed.has(o))) continue;
    for (const input of node.input) if (input && reached.has(input)) needed.add(input);
  }
  return needed;
}

/** The op's key in GRADIENT_RULES: its type, prefixed by its domain outside the default one ('com.microsoft.Gelu'). */
const qualifiedOp = (node: NodeProto) => (node.domain ? `${node.domain}.${node.opType}` : node.opType);

function unsupported(node: NodeProto, request: GradientRequest): Error {
  const op = qualifiedOp(node);
  return new Error(
    `addGradients: no gradient rule for op ${op} (node '${node.name}') on the path from [${request.wrt.join(', ')}] to '${request.loss}'; supported: ${DIFFERENTIABLE_OPS.join(', ')}`,
  );
}
