/**
 * Graph surgery for split execution: the frozen lower part of an encoder, cut after a given hidden
 * state (the output of layer L−k, found by bert-structure), ends in that tensor as `last_hidden_state`.
 * Nodes the cut no longer needs (the top k layers) are dropped with their weights, so ONNX Runtime
 * computes only the lower part; the top k run in TF.js.
 */
import { makeNode, tensorValueInfo } from './build.ts';
import { inputDimNames } from './graph-index.ts';
import { DataType, initializerTensor, type GraphProto, type ModelProto, type NodeProto } from './model.ts';

export const LOWER_OUTPUT = 'last_hidden_state';

/** Adds graph outputs `output` ← `tensor` ([batch, sequence, hidden] float) for each pair. */
export function exposeTensors(model: ModelProto, pairs: { tensor: string; output: string }[], hidden: number): void {
  const [batch, sequence] = inputDimNames(model.graph);
  for (const { tensor, output } of pairs) {
    model.graph.node.push(makeNode('Identity', [tensor], [output], `transferkit/${output}/Identity`));
    model.graph.output.push(tensorValueInfo(output, DataType.FLOAT, [batch, sequence, hidden]));
  }
}

/** Mutates `model` into its part up to `tensor`, whose value becomes the only output, `last_hidden_state`. */
export function cutAfter(model: ModelProto, tensor: string, hidden: number): void {
  const graph = model.graph;
  // The original output name is taken over by the cut; rename the tensor that held it first.
  const renamed = `${LOWER_OUTPUT}/original`;
  if (tensor !== LOWER_OUTPUT) {
    for (const node of graph.node) {
      node.input = node.input.map((i) => (i === LOWER_OUTPUT ? renamed : i));
      node.output = node.output.map((o) => (o === LOWER_OUTPUT ? renamed : o));
    }
  }
  graph.output = [];
  if (tensor !== LOWER_OUTPUT) exposeTensors(model, [{ tensor, output: LOWER_OUTPUT }], hidden);
  else graph.output.push(tensorValueInfo(LOWER_OUTPUT, DataType.FLOAT, [...inputDimNames(graph), hidden]));
  prune(graph, [LOWER_OUTPUT]);
}

/** Keeps only the nodes and initializers that the `outputs` depend on. */
function prune(graph: GraphProto, outputs: string[]): void {
  const producer = new Map<string, NodeProto>();
  for (const node of graph.node) for (const out of node.output) if (out) producer.set(out, node);
  const needed = new Set<string>();
  const keep = new Set<NodeProto>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const tensor = stack.pop()!;
    if (needed.has(tensor)) continue;
    needed.add(tensor);
    const node = producer.get(tensor);
    if (!node || keep.has(node)) continue;
    keep.add(node);
    stack.push(...node.input.filter(Boolean));
    // Subgraph attributes (If/Loop) may read outer tensors; BERT encoders have none, so they are not followed.
  }
  graph.node = graph.node.filter((n) => keep.has(n));
  graph.initializer = graph.initializer.filter((init) => needed.has(initializerTensor(init).name));
  graph.valueInfo = graph.valueInfo.filter((v) => needed.has(v.name));
}
