/**
 * Training-shaped graphs around real encoder layers, for the differentiator's end-to-end test and bench:
 * the layers cut out of a generated BERT between two hidden states, and a classification head with a
 * per-example-weighted cross-entropy loss on top.
 */
import { int64Tensor, makeNode, tensorValueInfo } from '../../../src/backbones/onnx/build.ts';
import { DataType, emptyGraph, initializerTensor, type GraphProto, type NodeProto } from '../../../src/backbones/onnx/model.ts';

/** The nodes computing `output` from `hiddenIn` and the graph inputs (the attention mask), with their weights. */
export function cutLayers(source: GraphProto, hiddenIn: string, output: string, hidden: number): GraphProto {
  const producer = new Map<string, NodeProto>();
  for (const node of source.node) for (const out of node.output) producer.set(out, node);
  const keep = new Set<NodeProto>();
  const stack = [output];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const tensor = stack.pop()!;
    if (seen.has(tensor) || tensor === hiddenIn) continue;
    seen.add(tensor);
    const node = producer.get(tensor);
    if (node && !keep.has(node)) {
      keep.add(node);
      stack.push(...node.input.filter(Boolean));
    }
  }
  const graph = emptyGraph('encoder-top');
  graph.node = source.node.filter((n) => keep.has(n)).map((n) => ({ ...n, input: n.input.map((i) => (i === hiddenIn ? 'hidden' : i)) }));
  graph.initializer = source.initializer.filter((init) => seen.has(initializerTensor(init).name));
  graph.input = [tensorValueInfo('hidden', DataType.FLOAT, ['batch_size', 'sequence_length', hidden]), tensorValueInfo('attention_mask', DataType.INT64, ['batch_size', 'sequence_length'])];
  return graph;
}

/** Masked mean-pool, linear head (Gemm), cross-entropy weighted per example: Σ wᵢ·CEᵢ / Σ wᵢ. */
export function addHead(graph: GraphProto, top: string, hidden: number, classes: number): void {
  const c = (name: string, values: number[]) => makeNode('Constant', [], [name], name, { value: int64Tensor('', [values.length], values) });
  graph.node.push(
    c('head/axes2', [2]),
    c('head/axes1', [1]),
    makeNode('Unsqueeze', ['attention_mask', 'head/axes2'], ['head/mask3'], 'head/Unsqueeze'),
    makeNode('Cast', ['head/mask3'], ['head/maskf'], 'head/Cast', { to: DataType.FLOAT }),
    makeNode('Mul', [top, 'head/maskf'], ['head/masked'], 'head/Mul'),
    makeNode('ReduceSum', ['head/masked', 'head/axes1'], ['head/sum'], 'head/ReduceSum', { keepdims: 0 }),
    makeNode('ReduceSum', ['head/maskf', 'head/axes1'], ['head/count'], 'head/ReduceSum_1', { keepdims: 0 }),
    makeNode('Div', ['head/sum', 'head/count'], ['pooled'], 'head/Div'),
    makeNode('Gemm', ['pooled', 'head.kernel', 'head.bias'], ['logits'], 'head/Gemm'),
    makeNode('SoftmaxCrossEntropyLoss', ['logits', 'labels'], ['head/ce'], 'head/SoftmaxCrossEntropyLoss', { reduction: 'none' }),
    makeNode('Mul', ['head/ce', 'example_weights'], ['head/weighted'], 'head/Mul_1'),
    makeNode('ReduceSum', ['head/weighted'], ['head/total'], 'head/ReduceSum_2', { keepdims: 0 }),
    makeNode('ReduceSum', ['example_weights'], ['head/weight_sum'], 'head/ReduceSum_3', { keepdims: 0 }),
    makeNode('Div', ['head/total', 'head/weight_sum'], ['loss'], 'head/Div_1'),
  );
  graph.input.push(
    tensorValueInfo('labels', DataType.INT64, ['batch_size']),
    tensorValueInfo('example_weights', DataType.FLOAT, ['batch_size']),
    tensorValueInfo('head.kernel', DataType.FLOAT, [hidden, classes]),
    tensorValueInfo('head.bias', DataType.FLOAT, [classes]),
  );
  graph.output = [tensorValueInfo('loss', DataType.FLOAT, [])];
}
