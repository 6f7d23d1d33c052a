/** Small graphs and their TF.js twins, one or more per gradient rule, with broadcasting where the op has it. */
import * as tf from '@tensorflow/tfjs';
import { floatTensor, int64Tensor } from '../../../src/backbones/onnx/build.ts';
import { DataType } from '../../../src/backbones/onnx/model.ts';
import { node, type GradCase, type InputSpec } from './grad-harness.ts';

const f = (name: string, dims: number[], extra: Partial<InputSpec> = {}): InputSpec => ({ name, dims, ...extra });
const ints = (name: string, values: number[]) => node('Constant', [], [name], `${name}/Constant`, { value: int64Tensor('', [values.length], values) });
const scalarConst = (name: string, value: number) => floatTensor(name, [], Float32Array.of(value));

type Binary = 'Add' | 'Sub' | 'Mul' | 'Div';
export const tfBinary: Record<Binary, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = { Add: tf.add, Sub: tf.sub, Mul: tf.mul, Div: tf.div };

/** Each binary op with a broadcast on each side: [2,3,4] ∘ [3,1] and [4] ∘ [2,1,4] (b positive for Div). */
const binaryCases: GradCase[] = (['Add', 'Sub', 'Mul', 'Div'] as const).flatMap((op) => [
  {
    name: `${op} [2,3,4] ∘ [3,1]`,
    inputs: [f('a', [2, 3, 4]), f('b', [3, 1], { low: 0.5, high: 2 })],
    nodes: [node(op, ['a', 'b'], ['y'], op)],
    tf: (x) => tfBinary[op](x.a!, x.b!),
  },
  {
    name: `${op} [4] ∘ [2,1,4]`,
    inputs: [f('a', [4]), f('b', [2, 1, 4], { low: 0.5, high: 2 })],
    nodes: [node(op, ['a', 'b'], ['y'], op)],
    tf: (x) => tfBinary[op](x.a!, x.b!),
  },
]);

const unary = (op: string, fn: (x: tf.Tensor) => tf.Tensor, low = -1.5, high = 1.5): GradCase => ({
  name: `${op} [2,3,5]`,
  inputs: [f('x', [2, 3, 5], { low, high })],
  nodes: [node(op, ['x'], ['y'], op)],
  tf: (x) => fn(x.x!),
});

export const elementwiseCases: GradCase[] = [
  ...binaryCases,
  {
    name: 'Add with a scalar, and a tensor read twice (x·x + x: contributions summed)',
    inputs: [f('x', [3, 4]), f('s', [])],
    nodes: [node('Mul', ['x', 'x'], ['xx'], 'Mul'), node('Add', ['xx', 'x'], ['t'], 'Add'), node('Add', ['t', 's'], ['y'], 'Add_1')],
    tf: (x) => tf.add(tf.add(tf.mul(x.x!, x.x!), x.x!), x.s!),
  },
  {
    name: 'Pow by a constant 2 (the decomposed LayerNorm) and by a broadcast exponent',
    inputs: [f('x', [2, 3], { low: 0.5, high: 2 }), f('p', [3], { low: 0.5, high: 2 })],
    initializers: [scalarConst('two', 2)],
    nodes: [node('Pow', ['x', 'two'], ['sq'], 'Pow'), node('Pow', ['sq', 'p'], ['y'], 'Pow_1')],
    tf: (x) => tf.pow(tf.pow(x.x!, 2), x.p!),
  },
  unary('Sqrt', tf.sqrt, 0.2, 2),
  unary('Erf', tf.erf),
  unary('Tanh', tf.tanh),
  unary('Relu', tf.relu),
  unary('Exp', tf.exp),
  unary('Log', tf.log, 0.2, 2),
  unary('Neg', tf.neg),
  unary('Sigmoid', tf.sigmoid),
  unary('Reciprocal', tf.reciprocal, 0.5, 2),
  unary('Identity', (x) => tf.mul(x, 1)),
  unary('Abs', tf.abs),
  {
    name: 'Dropout at inference (ratio 0.3, no training_mode): identity',
    inputs: [f('x', [2, 3])],
    initializers: [scalarConst('ratio', 0.3)],
    nodes: [node('Dropout', ['x', 'ratio'], ['y'], 'Dropout')],
    tf: (x) => tf.mul(x.x!, 1),
  },
  {
    name: 'Cast float → double → float (the gradient takes the float64 detour back)',
    inputs: [f('x', [3, 4])],
    nodes: [node('Cast', ['x'], ['d'], 'Cast', { to: DataType.DOUBLE }), node('Cast', ['d'], ['y'], 'Cast_1', { to: DataType.FLOAT })],
    tf: (x) => tf.mul(x.x!, 1),
  },
  {
    name: 'Where with a broadcast condition [3,1] and a broadcast Y [4]',
    inputs: [f('c', [3, 1], { kind: 'bool', values: [1, 0, 1] }), f('a', [2, 3, 4]), f('b', [4])],
    nodes: [node('Where', ['c', 'a', 'b'], ['y'], 'Where')],
    tf: (x) => tf.where(tf.broadcastTo(x.c!, [2, 3, 4]), x.a!, tf.broadcastTo(x.b!, [2, 3, 4])),
  },
  {
    name: 'GELU as exported (Div, Erf, Add, Mul, Mul)',
    inputs: [f('x', [2, 6], { low: -3, high: 3 })],
    initializers: [scalarConst('sqrt2', Math.SQRT2), scalarConst('one', 1), scalarConst('half', 0.5)],
    nodes: [
      node('Div', ['x', 'sqrt2'], ['u'], 'Div'),
      node('Erf', ['u'], ['e'], 'Erf'),
      node('Add', ['e', 'one'], ['p'], 'Add'),
      node('Mul', ['x', 'p'], ['m'], 'Mul'),
      node('Mul', ['m', 'half'], ['y'], 'Mul_1'),
    ],
    tf: (x) => tf.mul(tf.mul(x.x!, tf.add(tf.erf(tf.div(x.x!, Math.SQRT2)), 1)), 0.5),
  },
  {
    name: "GELU as ONNX Runtime's one com.microsoft.Gelu node",
    inputs: [f('x', [2, 3, 6], { low: -3, high: 3 })],
    nodes: [{ ...node('Gelu', ['x'], ['y'], 'Gelu'), domain: 'com.microsoft' }],
    tf: (x) => tf.mul(tf.mul(x.x!, tf.add(tf.erf(tf.div(x.x!, Math.SQRT2)), 1)), 0.5),
  },
];

export const matmul = (name: string, a: number[], b: number[], declared?: { a?: (number | string | null)[]; b?: (number | string | null)[] }): GradCase => ({
  name: `MatMul ${name} ${JSON.stringify(a)}·${JSON.stringify(b)}`,
  inputs: [f('a', a, { declared: declared?.a }), f('b', b, { declared: declared?.b })],
  nodes: [node('MatMul', ['a', 'b'], ['y'], 'MatMul')],
  tf: (x) => {
    // TF.js matMul wants rank ≥ 2 (promote rank-1 operands as numpy does) and its gradient does not
    // undo batch broadcasting: broadcast both operands explicitly (tf.broadcastTo's gradient sums).
    let [ta, tb] = [a.length === 1 ? tf.expandDims(x.a!, 0) : x.a!, b.length === 1 ? tf.expandDims(x.b!, 1) : x.b!];
    const batch = tf.broadcastArgs(tf.tensor1d(ta.shape.slice(0, -2), 'int32'), tf.tensor1d(tb.shape.slice(0, -2), 'int32')).arraySync() as number[];
    ta = tf.broadcastTo(ta, [...batch, ...ta.shape.slice(-2)]);
    tb = tf.broadcastTo(tb, [...batch, ...tb.shape.slice(-2)]);
    let y = tf.matMul(ta, tb);
    if (a.length === 1) y = tf.squeeze(y, [y.rank - 2]);
    if (b.length === 1) y = tf.squeeze(y, [y.rank - 1]);
    return y;
  },
});

const gemm = (transA: number, transB: number, c: number[]): GradCase => {
  const [m, k, n] = [3, 4, 5];
  return {
    name: `Gemm transA=${transA} transB=${transB} alpha=0.7 beta=1.3 C ${JSON.stringify(c)}`,
    inputs: [f('a', transA ? [k, m] : [m, k]), f('b', transB ? [n, k] : [k, n]), f('c', c)],
    nodes: [node('Gemm', ['a', 'b', 'c'], ['y'], 'Gemm', { transA, transB, alpha: { float: 0.7 }, beta: { float: 1.3 } })],
    tf: (x) => tf.add(tf.mul(tf.matMul(x.a!, x.b!, transA === 1, transB === 1), 0.7), tf.mul(x.c!, 1.3)),
  };
};

export const matmulCases: GradCase[] = [
  matmul('2-D', [3, 4], [4, 5]),
  matmul('linear (3-D activations, 2-D weight)', [2, 3, 4], [4, 5]),
  matmul('attention (4-D batched)', [2, 3, 4, 5], [2, 3, 5, 4]),
  matmul('broadcast batch', [2, 1, 3, 4], [3, 4, 5]),
  matmul('rank-1 left', [4], [2, 4, 5]),
  matmul('rank-1 right', [2, 3, 4], [4]),
  matmul('symbolic batch (run-time shapes)', [2, 3, 4], [4, 5], { a: ['batch', 'seq', 4] }),
  gemm(0, 0, [5]),
  gemm(0, 1, [3, 1]),
  gemm(1, 0, [1, 5]),
  gemm(1, 1, [3, 5]),
];

export function tfLayerNorm(x: tf.Tensor, axes: number[], eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, axes, true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
}

export const normalizationCases: GradCase[] = [
  {
    name: 'Softmax axis -1',
    inputs: [f('x', [2, 3, 5], { low: -2, high: 2 })],
    nodes: [node('Softmax', ['x'], ['y'], 'Softmax', { axis: -1 })],
    tf: (x) => tf.softmax(x.x!),
  },
  {
    name: 'Softmax axis 1 (not the last)',
    inputs: [f('x', [2, 4, 3], { low: -2, high: 2 })],
    nodes: [node('Softmax', ['x'], ['y'], 'Softmax', { axis: 1 })],
    tf: (x) => tf.transpose(tf.softmax(tf.transpose(x.x!, [0, 2, 1])), [0, 2, 1]),
  },
  {
    name: 'LogSoftmax axis -1',
    inputs: [f('x', [3, 5], { low: -2, high: 2 })],
    nodes: [node('LogSoftmax', ['x'], ['y'], 'LogSoftmax', { axis: -1 })],
    tf: (x) => tf.logSoftmax(x.x!),
  },
  {
    name: 'LayerNormalization axis -1 (x, scale, bias)',
    inputs: [f('x', [2, 3, 8], { low: -2, high: 2 }), f('scale', [8], { low: 0.5, high: 1.5 }), f('bias', [8])],
    nodes: [node('LayerNormalization', ['x', 'scale', 'bias'], ['y'], 'LayerNormalization', { axis: -1, epsilon: { float: 1e-5 } })],
    tf: (x) => tf.add(tf.mul(tfLayerNorm(x.x!, [-1], 1e-5), x.scale!), x.bias!),
  },
  {
    name: 'LayerNormalization axis 1 over [3,4], no bias',
    inputs: [f('x', [2, 3, 4], { low: -2, high: 2 }), f('scale', [3, 4], { low: 0.5, high: 1.5 })],
    nodes: [node('LayerNormalization', ['x', 'scale'], ['y'], 'LayerNormalization', { axis: 1, epsilon: { float: 1e-3 } })],
    tf: (x) => tf.mul(tfLayerNorm(x.x!, [1, 2], 1e-3), x.scale!),
  },
  {
    name: 'LayerNorm decomposed as opset-14 exports write it (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add)',
    inputs: [f('x', [2, 3, 8], { low: -2, high: 2 }), f('gamma', [8], { low: 0.5, high: 1.5 }), f('beta', [8])],
    initializers: [scalarConst('two', 2), scalarConst('eps', 1e-5)],
    nodes: [
      node('ReduceMean', ['x'], ['mean'], 'ReduceMean', { axes: [-1] }),
      node('Sub', ['x', 'mean'], ['centered'], 'Sub'),
      node('Pow', ['centered', 'two'], ['squared'], 'Pow'),
      node('ReduceMean', ['squared'], ['variance'], 'ReduceMean_1', { axes: [-1] }),
      node('Add', ['variance', 'eps'], ['shifted'], 'Add'),
      node('Sqrt', ['shifted'], ['std'], 'Sqrt'),
      node('Div', ['centered', 'std'], ['normalized'], 'Div'),
      node('Mul', ['normalized', 'gamma'], ['scaled'], 'Mul'),
      node('Add', ['scaled', 'beta'], ['y'], 'Add_1'),
    ],
    tf: (x) => tf.add(tf.mul(tfLayerNorm(x.x!, [-1], 1e-5), x.gamma!), x.beta!),
  },
];

export const shapeCases: GradCase[] = [
  {
    name: 'Reshape [2,3,4] → [0,-1] → [6,4]',
    inputs: [f('x', [2, 3, 4])],
    nodes: [ints('s1', [0, -1]), ints('s2', [6, 4]), node('Reshape', ['x', 's1'], ['r'], 'Reshape'), node('Reshape', ['r', 's2'], ['y'], 'Reshape_1')],
    tf: (x) => tf.reshape(x.x!, [6, 4]),
  },
  {
    name: 'Reshape to a run-time shape (Shape, Gather, Concat: integer paths pass through)',
    inputs: [f('x', [2, 3, 4], { declared: ['batch', 'seq', 4] }), f('w', [4])],
    nodes: [
      node('Mul', ['x', 'w'], ['xw'], 'Mul'),
      node('Shape', ['x'], ['shape'], 'Shape'),
      ints('zero', [0]),
      ints('minus1', [-1]),
      node('Gather', ['shape', 'zero'], ['b'], 'Gather', { axis: 0 }),
      node('Concat', ['b', 'minus1'], ['target'], 'Concat', { axis: 0 }),
      node('Reshape', ['xw', 'target'], ['y'], 'Reshape'),
    ],
    tf: (x) => tf.reshape(tf.mul(x.x!, x.w!), [2, 12]),
  },
  {
    name: 'Transpose perm [1,2,0], then the default (reversed) perm',
    inputs: [f('x', [2, 3, 4])],
    nodes: [node('Transpose', ['x'], ['t'], 'Transpose', { perm: [1, 2, 0] }), node('Transpose', ['t'], ['y'], 'Transpose_1')],
    tf: (x) => tf.transpose(tf.transpose(x.x!, [1, 2, 0])),
  },
  {
    name: 'Unsqueeze, Expand (broadcast back summed), Squeeze, Flatten',
    inputs: [f('x', [3, 1])],
    nodes: [
      ints('ax', [0]),
      ints('shape', [2, 3, 4]),
      node('Unsqueeze', ['x', 'ax'], ['u'], 'Unsqueeze'),
      node('Expand', ['u', 'shape'], ['e'], 'Expand'),
      node('Flatten', ['e'], ['fl'], 'Flatten', { axis: 0 }),
      ints('sq', [0]),
      node('Squeeze', ['fl', 'sq'], ['y'], 'Squeeze'),
    ],
    tf: (x) => tf.reshape(tf.broadcastTo(tf.expandDims(x.x!, 0), [2, 3, 4]), [24]),
  },
  {
    name: 'Concat of three along axis 1 (and along -1 with a symbolic dim)',
    inputs: [f('a', [2, 1, 3]), f('b', [2, 2, 3], { declared: [2, 'n', 3] }), f('c', [2, 3, 3])],
    nodes: [node('Concat', ['a', 'b', 'c'], ['cat'], 'Concat', { axis: 1 }), node('Concat', ['cat', 'cat'], ['y'], 'Concat_1', { axis: -1 })],
    tf: (x) => {
      const cat = tf.concat([x.a!, x.b!, x.c!], 1);
      return tf.concat([cat, cat], -1);
    },
  },
  {
    name: 'Slice with a negative end, a step of 2, and a reversing step of -1',
    inputs: [f('x', [4, 6, 3])],
    nodes: [
      ints('st', [1, 0]),
      ints('en', [-1, 6]),
      ints('ax', [0, 1]),
      ints('sp', [1, 2]),
      node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['s'], 'Slice'),
      ints('st2', [-1]),
      ints('en2', [-1000]),
      ints('ax2', [2]),
      ints('sp2', [-1]),
      node('Slice', ['s', 'st2', 'en2', 'ax2', 'sp2'], ['y'], 'Slice_1'),
    ],
    // x[1:-1, ::2, ::-1] (TF.js has no StridedSlice gradient: slice, gather, reverse).
    tf: (x) => tf.reverse(tf.gather(tf.slice(x.x!, [1, 0, 0], [2, 6, 3]), [0, 2, 4], 1), 2),
  },
  {
    name: 'Slice with constant unit steps (negative axis, negative start, clamped end): the Pad path',
    inputs: [f('x', [3, 5, 4])],
    nodes: [ints('st', [1, -3]), ints('en', [2, 100]), ints('ax', [0, -2]), node('Slice', ['x', 'st', 'en', 'ax'], ['y'], 'Slice')],
    // x[1:2, 2:5]
    tf: (x) => tf.slice(x.x!, [1, 2, 0], [1, 3, 4]),
  },
  {
    name: 'Gather axis 0 (embedding rows, repeated and negative ids)',
    inputs: [f('table', [5, 3]), f('ids', [2, 3], { kind: 'int64', values: [0, 2, 2, 4, -1, 1] })],
    nodes: [node('Gather', ['table', 'ids'], ['y'], 'Gather', { axis: 0 })],
    tf: (x) => tf.gather(x.table!, tf.tensor2d([0, 2, 2, 4, 4, 1], [2, 3], 'int32')),
  },
  {
    name: 'Gather axis 1 with 2-D indices',
    inputs: [f('x', [2, 4, 3]), f('ids', [2, 2], { kind: 'int64', values: [3, 0, 3, 1] })],
    nodes: [node('Gather', ['x', 'ids'], ['y'], 'Gather', { axis: 1 })],
    tf: (x) => tf.gather(x.x!, x.ids!, 1),
  },
  {
    name: 'Gather of one row (scalar index), as the [CLS] pick',
    inputs: [f('x', [2, 4, 3]), f('i', [], { kind: 'int64', values: [0] })],
    nodes: [node('Gather', ['x', 'i'], ['y'], 'Gather', { axis: 1 })],
    tf: (x) => tf.squeeze(tf.slice(x.x!, [0, 0, 0], [2, 1, 3]), [1]),
  },
  {
    name: 'GatherElements axis 1',
    inputs: [f('x', [3, 4]), f('ids', [3, 2], { kind: 'int64', values: [0, 3, 1, 1, 2, 0] })],
    nodes: [node('GatherElements', ['x', 'ids'], ['y'], 'GatherElements', { axis: 1 })],
    tf: (x) => tf.stack([tf.gather(x.x!.slice([0, 0], [1, 4]).reshape([4]), [0, 3]), tf.gather(x.x!.slice([1, 0], [1, 4]).reshape([4]), [1, 1]), tf.gather(x.x!.slice([2, 0], [1, 4]).reshape([4]), [2, 0])]),
  },
  {
    name: 'ReduceSum axes [0,2] keepdims 0, then over all axes',
    inputs: [f('x', [2, 3, 4])],
    nodes: [ints('axes', [0, 2]), node('ReduceSum', ['x', 'axes'], ['r'], 'ReduceSum', { keepdims: 0 }), node('Mul', ['r', 'r'], ['y'], 'Mul')],
    tf: (x) => tf.square(tf.sum(x.x!, [0, 2])),
  },
  {
    name: 'ReduceMean axes [1] keepdims 1 and keepdims 0 (mean pooling)',
    inputs: [f('x', [2, 3, 4])],
    nodes: [
      node('ReduceMean', ['x'], ['m'], 'ReduceMean', { axes: [1], keepdims: 1 }),
      node('Mul', ['x', 'm'], ['c'], 'Mul'),
      node('ReduceMean', ['c'], ['y0'], 'ReduceMean_1', { axes: [1], keepdims: 0 }),
      node('Mul', ['y0', 'y0'], ['y'], 'Mul_1'),
    ],
    tf: (x) => tf.square(tf.mean(tf.mul(x.x!, tf.mean(x.x!, 1, true)), 1)),
  },
  {
    name: 'ReduceMean over a symbolic axis (run-time count)',
    inputs: [f('x', [2, 5, 3], { declared: ['batch', 'seq', 3] })],
    nodes: [node('ReduceMean', ['x'], ['m'], 'ReduceMean', { axes: [1], keepdims: 0 }), node('Mul', ['m', 'm'], ['y'], 'Mul')],
    tf: (x) => tf.square(tf.mean(x.x!, 1)),
  },
];

const LABELS = [2, 1, 0, 1];

/** −w[label] · log softmax(scores)[label] per example, 0 where the label is `ignore`. */
function tfCrossEntropy(scores: tf.Tensor, labels: number[], classWeights?: tf.Tensor, ignore?: number): tf.Tensor {
  const classes = scores.shape[1]!;
  const picked = tf.sum(tf.mul(tf.logSoftmax(scores), tf.oneHot(tf.tensor1d(labels, 'int32'), classes)), 1);
  const weight = tf.mul(
    classWeights ? tf.gather(classWeights, labels.map((l) => (l === ignore ? 0 : l))) : tf.onesLike(picked),
    tf.tensor1d(labels.map((l) => (l === ignore ? 0 : 1))),
  );
  return tf.neg(tf.mul(picked, weight));
}

const sce = (attributes: Record<string, unknown>, outputs = ['y']) =>
  node('SoftmaxCrossEntropyLoss', ['scores', 'labels'], outputs, 'SoftmaxCrossEntropyLoss', attributes as Record<string, string | number>);

export const lossCases: GradCase[] = [
  {
    name: 'SoftmaxCrossEntropyLoss mean',
    inputs: [f('scores', [4, 3], { low: -2, high: 2 }), f('labels', [4], { kind: 'int64', values: LABELS })],
    nodes: [sce({ reduction: 'mean' })],
    tf: (x) => tf.mean(tfCrossEntropy(x.scores!, LABELS)),
  },
  {
    name: 'SoftmaxCrossEntropyLoss none, class weights, ignore_index 1',
    inputs: [f('scores', [4, 3], { low: -2, high: 2 }), f('labels', [4], { kind: 'int64', values: LABELS }), f('w', [3], { low: 0.5, high: 2, differentiate: false })],
    nodes: [node('SoftmaxCrossEntropyLoss', ['scores', 'labels', 'w'], ['y'], 'SoftmaxCrossEntropyLoss', { reduction: 'none', ignore_index: 1 })],
    tf: (x) => tfCrossEntropy(x.scores!, LABELS, x.w!, 1),
  },
  {
    name: 'SoftmaxCrossEntropyLoss mean with class weights and ignore_index (divides by Σ weights)',
    inputs: [f('scores', [4, 3], { low: -2, high: 2 }), f('labels', [4], { kind: 'int64', values: LABELS }), f('w', [3], { low: 0.5, high: 2, differentiate: false })],
    nodes: [node('SoftmaxCrossEntropyLoss', ['scores', 'labels', 'w'], ['y'], 'SoftmaxCrossEntropyLoss', { reduction: 'mean', ignore_index: 1 })],
    tf: (x) => {
      const kept = tf.mul(tf.gather(x.w!, [2, 0, 0, 0]), tf.tensor1d([1, 0, 1, 0]));
      return tf.div(tf.sum(tfCrossEntropy(x.scores!, LABELS, x.w!, 1)), tf.sum(kept));
    },
  },
  {
    name: 'SoftmaxCrossEntropyLoss sum with its log_prob output also used',
    inputs: [f('scores', [4, 3], { low: -2, high: 2 }), f('labels', [4], { kind: 'int64', values: LABELS })],
    nodes: [sce({ reduction: 'sum' }, ['l', 'logp']), node('Add', ['logp', 'l'], ['y'], 'Add')],
    tf: (x) => tf.add(tf.logSoftmax(x.scores!), tf.sum(tfCrossEntropy(x.scores!, LABELS))),
  },
  {
    name: 'cross-entropy with per-example weights (reduction none · w, ReduceSum, Div by Σ w)',
    inputs: [f('scores', [4, 3], { low: -2, high: 2 }), f('labels', [4], { kind: 'int64', values: LABELS }), f('w', [4], { low: 0, high: 2, differentiate: false })],
    nodes: [
      sce({ reduction: 'none' }, ['l']),
      node('Mul', ['l', 'w'], ['wl'], 'Mul'),
      node('ReduceSum', ['wl'], ['total'], 'ReduceSum', { keepdims: 0 }),
      node('ReduceSum', ['w'], ['wsum'], 'ReduceSum_1', { keepdims: 0 }),
      node('Div', ['total', 'wsum'], ['y'], 'Div'),
    ],
    tf: (x) => tf.div(tf.sum(tf.mul(tfCrossEntropy(x.scores!, LABELS), x.w!)), tf.sum(x.w!)),
  },
  {
    name: 'SoftmaxCrossEntropyLoss on [N,C,d] scores, sum',
    inputs: [f('scores', [2, 3, 2], { low: -2, high: 2 }), f('labels', [2, 2], { kind: 'int64', values: [0, 2, 1, 1] })],
    nodes: [sce({ reduction: 'sum' })],
    tf: (x) => {
      const flat = tf.reshape(tf.transpose(x.scores!, [0, 2, 1]), [4, 3]);
      return tf.sum(tfCrossEntropy(flat, [0, 2, 1, 1]));
    },
  },
  {
    name: 'LogSoftmax then NegativeLogLikelihoodLoss mean with class weights',
    inputs: [f('scores', [4, 3], { low: -2, high: 2 }), f('labels', [4], { kind: 'int64', values: LABELS }), f('w', [3], { low: 0.5, high: 2, differentiate: false })],
    nodes: [node('LogSoftmax', ['scores'], ['logp'], 'LogSoftmax', { axis: 1 }), node('NegativeLogLikelihoodLoss', ['logp', 'labels', 'w'], ['y'], 'NegativeLogLikelihoodLoss', { reduction: 'mean' })],
    tf: (x) => tf.div(tf.sum(tfCrossEntropy(x.scores!, LABELS, x.w!)), tf.sum(tf.gather(x.w!, LABELS))),
  },
];
