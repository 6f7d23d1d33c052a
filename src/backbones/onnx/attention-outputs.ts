/**
 * ONNX graph surgery that exposes each self-attention Softmax as an extra graph output
 * `attentions.<layer>` shaped [batch, heads, sequence, sequence], so one inference run returns the
 * attention probabilities that PyTorch returns with `output_attentions=True`.
 *
 * Softmax nodes are found by their place in the graph, never by name: a self-attention Softmax reads
 * (through the scale and mask-bias arithmetic) from a MatMul of two activations (Q·Kᵀ) and feeds the
 * first input of a MatMul (probabilities · V). Layers are numbered in topological order.
 */
import { inputError, TransferKitError } from '../../errors.ts';
import { makeNode, tensorValueInfo } from './build.ts';
import { DataType, decodeModel, encodeModel, encodeModelChunks, type GraphProto, type ModelProto } from './model.ts';
import { GraphIndex, inputDimNames } from './graph-index.ts';
import { writeChunksAtomic } from './model-file.ts';
import { readFile } from 'node:fs/promises';

export const ATTENTION_OUTPUT_PREFIX = 'attentions.';

/** Fused attention kernels (ONNX Runtime contrib ops, ONNX 23 Attention): their probabilities are internal. */
const FUSED_ATTENTION_OPS = new Set([
  'Attention',
  'MultiHeadAttention',
  'PackedAttention',
  'PackedMultiHeadAttention',
  'GroupQueryAttention',
  'DecoderMaskedMultiHeadAttention',
  'DecoderMaskedSelfAttention',
  'QAttention',
  'QOrderedAttention',
  'LongformerAttention',
  'SparseAttention',
]);


export interface AttentionOutputsResult {
  bytes: Uint8Array;
  layers: number;
}

/** Adds `attentions.0 … attentions.{L-1}` outputs to a model; an already derived model comes back unchanged. */
export function addAttentionOutputs(modelBytes: Uint8Array, expectedLayers?: number): AttentionOutputsResult {
  const model = decodeModel(modelBytes);
  const existing = countAttentionOutputs(model.graph);
  if (existing > 0) return { bytes: modelBytes, layers: existing };
  const layers = exposeAttentionSoftmaxes(model, expectedLayers);
  return { bytes: encodeModel(model), layers };
}

/**
 * The same surgery from file to file, streaming the output (no second in-memory copy of a large model).
 * An already derived source is copied as is.
 */
export async function writeAttentionModel(sourcePath: string, targetPath: string, expectedLayers?: number): Promise<{ layers: number }> {
  let model: ModelProto;
  try {
    model = decodeModel(await readFile(sourcePath));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== undefined) throw error;
    throw inputError(`not a valid ONNX model (${(error as Error).message})`, { file: sourcePath });
  }
  const existing = countAttentionOutputs(model.graph);
  let layers = existing;
  try {
    if (existing === 0) layers = exposeAttentionSoftmaxes(model, expectedLayers);
  } catch (error) {
    // Name the model file: the user sees which model cannot show attention (fused export, layer mismatch).
    if (error instanceof TransferKitError && error.where.file === undefined) {
      throw new TransferKitError(error.kind, error.message, { ...error.where, file: sourcePath }, { cause: error });
    }
    throw error;
  }
  await writeChunksAtomic(targetPath, encodeModelChunks(model));
  return { layers };
}

export function countAttentionOutputs(graph: GraphProto): number {
  return graph.output.filter((o) => o.name.startsWith(ATTENTION_OUTPUT_PREFIX)).length;
}

/** Mutates `model`: adds one Identity node and one graph output per self-attention Softmax. */
export function exposeAttentionSoftmaxes(model: ModelProto, expectedLayers?: number): number {
  const graph = model.graph;
  const fused = graph.node.find((n) => FUSED_ATTENTION_OPS.has(n.opType));
  if (fused) {
    throw inputError(
      `the model uses fused attention (${fused.domain ? `${fused.domain}.` : ''}${fused.opType} node '${fused.name}'), so its attention maps cannot be exposed; export it without attention fusion (e.g. a plain torch.onnx.export or Optimum export without ONNX Runtime optimization)`,
    );
  }
  const index = new GraphIndex(graph);
  const softmaxes = index.topologicalOrder().filter((n) => n.opType === 'Softmax' && (n.domain === '' || n.domain === 'ai.onnx'));
  if (softmaxes.length === 0) {
    throw inputError('the model has no Softmax node (fused attention?), so its attention maps cannot be exposed; use an unfused export of the model');
  }
  const attention = softmaxes.filter((n) => index.isSelfAttentionSoftmax(n));
  if (attention.length === 0) {
    throw inputError(`none of the model's ${softmaxes.length} Softmax nodes sits between Q·Kᵀ and a MatMul with V, so no attention maps can be exposed (fused or unusual attention; use an unfused export)`);
  }
  if (expectedLayers !== undefined && attention.length !== expectedLayers) {
    throw inputError(`found ${attention.length} self-attention Softmax nodes but the model config says ${expectedLayers} layers`);
  }

  const [batch, sequence] = inputDimNames(graph);
  attention.forEach((softmax, layer) => {
    const name = `${ATTENTION_OUTPUT_PREFIX}${layer}`;
    const heads = index.headCount(softmax) ?? 'num_heads';
    graph.node.push(makeNode('Identity', [softmax.output[0]!], [name], `transferkit/${name}/Identity`));
    graph.output.push(tensorValueInfo(name, DataType.FLOAT, [batch, heads, sequence, sequence]));
  });
  return attention.length;
}
