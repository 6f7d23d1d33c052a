/**
 * A TransferKit head as ONNX nodes appended to a backbone graph: the pooling the head was trained on,
 * then its dense layers (dropout is the identity at inference), ending in a `logits` output.
 */
import type { Pooling } from '../../core/index.ts';
import { floatTensor, int64Tensor, makeNode, tensorValueInfo } from '../../backbones/onnx/build.ts';
import { DataType, type NodeProto, type TensorProto, type ValueInfoProto } from '../../backbones/onnx/model.ts';
import type { Activation } from '../../heads/config.ts';

export const LOGITS_OUTPUT = 'logits';

/** One dense layer: kernel [inputs, outputs] (TF layout, which is MatMul's), bias, and the activation after it. */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  kernel: Float32Array;
  bias: Float32Array;
  activation: Activation | null;
}

export interface HeadGraphSpec {
  pooling: Pooling;
  /** In order; the last one produces the logits. */
  layers: DenseLayer[];
  /** The backbone's [batch, seq, hidden] output and its [batch, seq] attention-mask input. */
  hiddenState: string;
  attentionMask: string;
  /** Symbolic batch dimension for the logits output. */
  batchDim: string;
}

export interface HeadGraph {
  nodes: NodeProto[];
  initializers: TensorProto[];
  output: ValueInfoProto;
  /** Every value name the head introduces (to check against the backbone's). */
  names: string[];
}

const PREFIX = 'transferkit_head';

export function buildHeadGraph(spec: HeadGraphSpec): HeadGraph {
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const names: string[] = [];
  const op = (opType: string, inputs: string[], name: string, attributes: Record<string, number | number[]> = {}, output = `${PREFIX}/${name}`) => {
    nodes.push(makeNode(opType, inputs, [output], `${PREFIX}/${name}`, attributes));
    names.push(output);
    return output;
  };
  const constant = (tensor: TensorProto) => {
    initializers.push(tensor);
    names.push(tensor.name);
    return tensor.name;
  };
  const floatScalar = (name: string, value: number) => constant(floatTensor(`${PREFIX}.${name}`, [], Float32Array.of(value)));
  const shape = (name: string, values: number[]) => constant(int64Tensor(`${PREFIX}.${name}`, [values.length], values));

  let x: string;
  if (spec.pooling === 'cls') {
    // The [CLS] row: position 0 of every sequence.
    x = op('Gather', [spec.hiddenState, constant(int64Tensor(`${PREFIX}.cls_index`, [], [0]))], 'pool/Gather', { axis: 1 });
  } else {
    // The mean over real tokens, as the extractor computes it: sum of unmasked rows / their count. Both come
    // from MatMuls with the 0/1 mask ([B,1,S]·[B,S,H] and [B,1,S]·[B,S,1]), which need no opset-specific
    // ReduceSum or Unsqueeze form.
    const mask = op('Cast', [spec.attentionMask], 'pool/Cast', { to: DataType.FLOAT });
    const maskRow = op('Reshape', [mask, shape('mask_row_shape', [0, 1, -1])], 'pool/MaskRow');
    const maskColumn = op('Reshape', [mask, shape('mask_column_shape', [0, -1, 1])], 'pool/MaskColumn');
    const sum = op('MatMul', [maskRow, spec.hiddenState], 'pool/Sum');
    const count = op('MatMul', [maskRow, maskColumn], 'pool/Count');
    const mean = op('Div', [sum, count], 'pool/Mean');
    x = op('Reshape', [mean, shape('pooled_shape', [0, -1])], 'pool/Flatten');
  }

  spec.layers.forEach((layer, i) => {
    const last = i === spec.layers.length - 1;
    const kernel = constant(floatTensor(`${PREFIX}.dense_${i}.kernel`, [layer.inputs, layer.outputs], layer.kernel));
    const bias = constant(floatTensor(`${PREFIX}.dense_${i}.bias`, [layer.outputs], layer.bias));
    const product = op('MatMul', [x, kernel], `dense_${i}/MatMul`);
    x = op('Add', [product, bias], `dense_${i}/Add`, {}, last && !layer.activation ? LOGITS_OUTPUT : undefined);
    if (layer.activation) x = activation(layer.activation, x, `dense_${i}`, last ? LOGITS_OUTPUT : undefined);
  });

  function activation(kind: Activation, z: string, scope: string, output?: string): string {
    switch (kind) {
      case 'relu':
        return op('Relu', [z], `${scope}/Relu`, {}, output);
      case 'tanh':
        return op('Tanh', [z], `${scope}/Tanh`, {}, output);
      case 'gelu': {
        // z · 0.5 · (1 + erf(z / √2)), the exact form the TF.js head trains with.
        const erf = op('Erf', [op('Mul', [z, floatScalar('sqrt_half', Math.SQRT1_2)], `${scope}/gelu/Scale`)], `${scope}/gelu/Erf`);
        const onePlus = op('Add', [erf, floatScalar('one', 1)], `${scope}/gelu/Add`);
        return op('Mul', [op('Mul', [z, floatScalar('half', 0.5)], `${scope}/gelu/Half`), onePlus], `${scope}/gelu/Mul`, {}, output);
      }
    }
  }

  const classes = spec.layers[spec.layers.length - 1].outputs;
  return { nodes, initializers: dedupe(initializers), output: tensorValueInfo(LOGITS_OUTPUT, DataType.FLOAT, [spec.batchDim, classes]), names: [...new Set(names)] };
}

/** Shared scalar constants are added once per use above; keep the first of each name. */
function dedupe(tensors: TensorProto[]): TensorProto[] {
  const seen = new Set<string>();
  return tensors.filter((t) => !seen.has(t.name) && seen.add(t.name));
}
