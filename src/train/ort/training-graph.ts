/**
 * The forward half of one training step as an ONNX graph: the top k BERT layers (or the embeddings and
 * every layer), pooling, the head and the weighted cross-entropy, with every trainable weight a graph
 * INPUT, so one session serves every step while the weights change. The layers are rebuilt from the
 * structure mapping (bert-structure), as the TF.js top is, so Optimum and torch exports train the same
 * way; the layer body is the generated fixture's own (transformerPieces.bertLayer), whose math is
 * transformers' BertLayer. Shapes are static per (batch, sequence) bucket.
 */
import { floatTensor, tensorValueInfo } from '../../backbones/onnx/build.ts';
import type { EncoderTopNames } from '../../backbones/tfjs/bert-encoder.ts';
import { DataType, type ModelProto, type ValueInfoProto } from '../../backbones/onnx/model.ts';
import type { LayerNormNames, LinearNames } from '../../backbones/onnx/bert-structure.ts';
import type { Pooling } from '../../core/index.ts';
import { layerShapes, type HeadSpec } from '../../heads/config.ts';
import { GraphBuilder, transformerPieces, type WeightSource } from '../../fixtures/transformer-graph.ts';
import { BACKBONE_OPTIMIZER_PREFIX } from '../checkpoints.ts';

export interface TrainingGraphSpec {
  names: EncoderTopNames;
  hidden: number;
  heads: number;
  layerNormEps: number;
  /** Every trained backbone weight's dims, by initializer name. */
  weightDims: Map<string, number[]>;
  head: HeadSpec;
  pooling: Exclude<Pooling, 'pooler'>;
  /** The static shape bucket: rows (padded rows carry label IGNORE_LABEL) and tokens (padded tokens are masked). */
  batch: number;
  seq: number;
  /** Dropout mask inputs for the MLP head's hidden layers (a training step; evaluation has none). */
  dropout: boolean;
  /** The layers' GELU (transformerPieces): 'fused' (the default) unless a benchmark compares the exported form. */
  gelu?: 'exported' | 'fused';
}

/** Graph input and output names (the weights' are their optimizer names). */
export const STEP = {
  hidden: 'hidden_states',
  features: 'features',
  inputIds: 'input_ids',
  tokenTypeIds: 'token_type_ids',
  mask: 'attention_mask',
  labels: 'labels',
  classWeights: 'class_weights',
  loss: 'loss',
  logits: 'logits',
  pooled: 'pooled',
  dropoutMask: (layer: string) => `dropout/${layer}`,
} as const;

/** Labels of padded rows: SoftmaxCrossEntropyLoss leaves them out of the loss and its weight sum. */
export const IGNORE_LABEL = -100;

/** The additive attention-mask bias, the TF.js top's (bert-encoder.ts MASK_BIAS). */
const MASK_BIAS = -1e9;

export interface TrainingGraph {
  model: ModelProto;
  /** Trainable weights' graph input names, in the optimizer's order: the head's, then the backbone's. */
  weights: string[];
}

export function buildTrainingGraph(spec: TrainingGraphSpec): TrainingGraph {
  const { names, hidden, heads, layerNormEps, batch, seq } = spec;
  const g = new GraphBuilder('torch');
  const rename = backboneWeightNames(names);
  const weightSource: WeightSource = (name, dims) => {
    const mapped = rename.get(name);
    if (!mapped) throw new Error(`training graph: no backbone weight for '${name}'`);
    const known = spec.weightDims.get(mapped);
    if (known && known.join() !== dims.join()) throw new Error(`training graph: weight '${mapped}' is [${known}], the layer expects [${dims}]`);
    return floatTensor(`${BACKBONE_OPTIMIZER_PREFIX}${mapped}`, dims, new Float32Array(0));
  };
  // The fused GELU: one forward pass instead of five; its gradient rule reads only x (bench/ort-step-profile.ts compares).
  const pieces = transformerPieces(g, weightSource, { hidden, heads, layerNormEps, gelu: spec.gelu ?? 'fused' });
  const inputs: ValueInfoProto[] = [];
  const float = (name: string, dims: number[]) => inputs.push(tensorValueInfo(name, DataType.FLOAT, dims));
  const int64 = (name: string, dims: number[]) => inputs.push(tensorValueInfo(name, DataType.INT64, dims));

  let h: string;
  const e = names.embeddings;
  if (e) {
    int64(STEP.inputIds, [batch, seq]);
    int64(STEP.tokenTypeIds, [batch, seq]);
    const s = '/embeddings';
    const words = g.op('Gather', [pieces.w('embeddings.word', spec.weightDims.get(e.word)!, 'embedding'), STEP.inputIds], `${s}/word/Gather`);
    const position = pieces.w('embeddings.position', spec.weightDims.get(e.position)!, 'embedding');
    const positions = g.op('Slice', [position, g.ints([0], `${s}/Constant`), g.ints([seq], `${s}/Constant_1`), g.ints([0], `${s}/Constant_2`)], `${s}/position/Slice`);
    h = g.op('Add', [words, positions], `${s}/Add`);
    if (e.tokenType) {
      const types = g.op('Gather', [pieces.w('embeddings.token_type', spec.weightDims.get(e.tokenType)!, 'embedding'), STEP.tokenTypeIds], `${s}/token_type/Gather`);
      h = g.op('Add', [h, types], `${s}/Add_1`);
    }
    h = pieces.layerNorm(h, 'embeddings.LayerNorm', `${s}/LayerNorm/LayerNormalization`);
  } else {
    float(STEP.hidden, [batch, seq, hidden]);
    h = STEP.hidden;
  }

  // [B, S] → [B, 1, 1, S]: (1 - mask) · MASK_BIAS, added to every head's scores.
  float(STEP.mask, [batch, seq]);
  const inverted = g.op('Sub', [g.floatScalar(1, '/mask/Constant'), STEP.mask], '/mask/Sub');
  const maskBias = g.op('Unsqueeze', [g.op('Mul', [inverted, g.floatScalar(MASK_BIAS, '/mask/Constant_1')], '/mask/Mul'), g.ints([1, 2], '/mask/Constant_2')], '/mask/Unsqueeze');
  names.layers.forEach((layer, j) => {
    const intermediate = spec.weightDims.get(layer.intermediate.kernel)![1]!;
    // [CLS] pooling reads one row of the top layer: its attention (the query folded into the keys and
    // values, never projecting every token), output projection and FFN run on that row only.
    const clsOnly = spec.pooling === 'cls' && j === names.layers.length - 1;
    const query = clsOnly ? firstToken(g, h, `/encoder/layer.${j}/cls`) : undefined;
    h = pieces.bertLayer(h, `layer${j}`, `/encoder/layer.${j}`, intermediate, maskBias, undefined, query);
  });

  const pooled = pool(g, h, spec);
  const headWeights = headAndLoss(g, pooled, spec, inputs, pieces.gelu);
  const backboneWeights = g.initializers.map((t) => t.name);
  for (const t of g.initializers) float(t.name, t.dims);
  g.initializers.length = 0;
  const outputs = [...headOutputs(spec), tensorValueInfo(STEP.pooled, DataType.FLOAT, [batch, hidden])];
  return { model: g.model(inputs, outputs), weights: [...headWeights, ...backboneWeights] };
}

export interface HeadGraphSpec {
  head: HeadSpec;
  /** Rows of the static batch shape. */
  batch: number;
  /** Dropout mask inputs for the MLP head's hidden layers (a training step). */
  dropout: boolean;
}

/**
 * The training step of a head alone, over feature rows (STEP.features [batch, inputDim]): the same head
 * and loss nodes as buildTrainingGraph, for runs (or epochs) where the backbone is frozen.
 */
export function buildHeadTrainingGraph(spec: HeadGraphSpec): TrainingGraph {
  const g = new GraphBuilder('torch');
  const inputs = [tensorValueInfo(STEP.features, DataType.FLOAT, [spec.batch, spec.head.inputDim])];
  // Only the GELU piece is used; it reads no weights.
  const noWeights: WeightSource = (name) => {
    throw new Error(`head training graph: unexpected weight '${name}'`);
  };
  const { gelu } = transformerPieces(g, noWeights, { hidden: spec.head.inputDim, heads: 1, layerNormEps: 0 });
  const weights = headAndLoss(g, STEP.features, spec, inputs, gelu);
  return { model: g.model(inputs, headOutputs(spec)), weights };
}

/** The head's layers on `x`, then the weighted cross-entropy; declares their inputs; returns the head's weight names in optimizer order. */
function headAndLoss(g: GraphBuilder, x: string, spec: HeadGraphSpec, inputs: ValueInfoProto[], gelu: (x: string, scope: string) => string): string[] {
  const float = (name: string, dims: number[]) => inputs.push(tensorValueInfo(name, DataType.FLOAT, dims));
  const logits = headLogits(g, x, spec, float, gelu);
  inputs.push(tensorValueInfo(STEP.labels, DataType.INT64, [spec.batch]));
  float(STEP.classWeights, [spec.head.numClasses]);
  g.op('SoftmaxCrossEntropyLoss', [logits, STEP.labels, STEP.classWeights], '/loss/SoftmaxCrossEntropyLoss', { reduction: 'mean', ignore_index: IGNORE_LABEL }, STEP.loss);
  return layerShapes(spec.head).flatMap(({ name }) => [`${name}/kernel`, `${name}/bias`]);
}

function headOutputs({ batch, head }: HeadGraphSpec): ValueInfoProto[] {
  return [tensorValueInfo(STEP.loss, DataType.FLOAT, []), tensorValueInfo(STEP.logits, DataType.FLOAT, [batch, head.numClasses])];
}

/** Position 0 of [B, S, H]: [B, 1, H]. */
function firstToken(g: GraphBuilder, h: string, s: string): string {
  return g.op('Slice', [h, g.ints([0], `${s}/Constant`), g.ints([1], `${s}/Constant_1`), g.ints([1], `${s}/Constant_2`)], `${s}/Slice`);
}

/** [CLS] (position 0; the top layer already computed only that row) or the mask-weighted mean over tokens, [B, H]. */
function pool(g: GraphBuilder, h: string, { pooling, batch, hidden }: TrainingGraphSpec): string {
  const s = '/pooling';
  if (pooling === 'cls') return g.op('Reshape', [h, g.ints([batch, hidden], `${s}/Constant`)], `${s}/Reshape`, {}, STEP.pooled);
  const mask3 = g.op('Unsqueeze', [STEP.mask, g.ints([2], `${s}/Constant`)], `${s}/Unsqueeze`);
  const summed = g.op('ReduceSum', [g.op('Mul', [h, mask3], `${s}/Mul`), g.ints([1], `${s}/Constant_1`)], `${s}/ReduceSum`, { keepdims: 0 });
  const count = g.op('ReduceSum', [STEP.mask, g.ints([1], `${s}/Constant_2`)], `${s}/ReduceSum_1`, { keepdims: 1 });
  return g.op('Div', [summed, count], `${s}/Div`, {}, STEP.pooled);
}

/** The head's dense layers (same maths as heads/head.ts): activation and inverted-dropout mask after each hidden one. */
function headLogits(g: GraphBuilder, x: string, spec: HeadGraphSpec, float: (name: string, dims: number[]) => void, gelu: (x: string, scope: string) => string): string {
  const shapes = layerShapes(spec.head);
  let h = x;
  shapes.forEach(({ name, inputs, outputs }, i) => {
    float(`${name}/kernel`, [inputs, outputs]);
    float(`${name}/bias`, [outputs]);
    const s = `/head/${name}`;
    h = g.op('Add', [g.op('MatMul', [h, `${name}/kernel`], `${s}/MatMul`), `${name}/bias`], `${s}/Add`, {}, i === shapes.length - 1 ? STEP.logits : undefined);
    if (i === shapes.length - 1 || spec.head.type !== 'mlp') return;
    const kind = spec.head.activation;
    h = kind === 'gelu' ? gelu(h, `${s}/gelu`) : g.op(kind === 'relu' ? 'Relu' : 'Tanh', [h], `${s}/${kind}`);
    if (spec.dropout && spec.head.dropout > 0) {
      float(STEP.dropoutMask(name), [spec.batch, outputs]);
      h = g.op('Mul', [h, STEP.dropoutMask(name)], `${s}/Dropout`);
    }
  });
  return h;
}

/** The names transformerPieces asks for (`layer0.attention.self.query.weight`) → the backbone's initializer names. */
function backboneWeightNames(names: EncoderTopNames): Map<string, string> {
  const out = new Map<string, string>();
  const linear = (prefix: string, l: LinearNames) => out.set(`${prefix}.weight`, l.kernel).set(`${prefix}.bias`, l.bias);
  const norm = (prefix: string, n: LayerNormNames) => out.set(`${prefix}.weight`, n.gamma).set(`${prefix}.bias`, n.beta);
  names.layers.forEach((l, j) => {
    const p = `layer${j}`;
    linear(`${p}.attention.self.query`, l.query);
    linear(`${p}.attention.self.key`, l.key);
    linear(`${p}.attention.self.value`, l.value);
    linear(`${p}.attention.output.dense`, l.attentionOutput);
    norm(`${p}.attention.output.LayerNorm`, l.attentionNorm);
    linear(`${p}.intermediate.dense`, l.intermediate);
    linear(`${p}.output.dense`, l.output);
    norm(`${p}.output.LayerNorm`, l.outputNorm);
  });
  const e = names.embeddings;
  if (e) {
    out.set('embeddings.word', e.word).set('embeddings.position', e.position);
    if (e.tokenType) out.set('embeddings.token_type', e.tokenType);
    norm('embeddings.LayerNorm', e.norm);
  }
  return out;
}

