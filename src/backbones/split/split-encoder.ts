/**
 * Split execution of a BERT encoder: ONNX Runtime runs the frozen lower part (embeddings and layers
 * 1..L−k), TF.js runs the top k layers with gradients. With k = 'all' nothing runs in ONNX Runtime:
 * TF.js embeds the token ids and runs every layer (the seed's `bert.train()`).
 */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { padBatch } from '../../encode/batch.ts';
import { planBatches } from '../../encode/bucketing.ts';
import type { EncodedInput } from '../../encode/pairs.ts';
import { usageError } from '../../errors.ts';
import type { ExtractOptions, FeatureMatrix, Pooling, TextInput } from '../../core/index.ts';
import { findBertStructure } from '../onnx/bert-structure.ts';
import { decodeModel } from '../onnx/model.ts';
import { encoderTop, quantizedKernels, TfBertTop, trainedInitializers } from '../tfjs/bert-encoder.ts';
import { readInitializers } from '../tfjs/onnx-weights.ts';
import type { AttentionResult, TextBackbone } from '../types.ts';
import { groupByLength } from './length-groups.ts';
import { loadLowerPart } from './lower-part.ts';
import { RaggedStates, type CacheDtype } from './ragged-states.ts';

/** How many top layers train: a count, or 'all' (every layer and the embeddings). */
export type UnfreezeTop = number | 'all';

/** What feeds the TF.js top for one split: cached lower states, token ids (k = all), or a recompute per batch. */
export type LowerInputs =
  | { kind: 'states'; states: RaggedStates; encoded: EncodedInput[] }
  | { kind: 'tokens'; encoded: EncodedInput[] }
  | { kind: 'recompute'; encoded: EncodedInput[] };

/** Rows of one batch padded to their own longest: either hidden states or token ids, with the mask. */
export interface PreparedGroup {
  rows: number;
  seq: number;
  mask: Float32Array;
  hidden?: Float32Array;
  ids?: Int32Array;
  types?: Int32Array;
}

/**
 * One batch ready for the TF.js top, as groups of rows of similar length (see groupByLength). `order`
 * lists the batch rows in group order, so that pooled() hands the rows back in batch order.
 */
export interface PreparedBatch {
  rows: number;
  groups: PreparedGroup[];
  order: Int32Array;
}

export class SplitEncoder {
  private constructor(
    readonly base: TextBackbone,
    readonly lower: TextBackbone | null,
    readonly top: TfBertTop,
    /** Layers that train (numLayers for 'all'). */
    readonly trainedLayers: number,
    readonly unfreezeTop: UnfreezeTop,
  ) {}

  /**
   * Maps the backbone's weights by graph structure, builds the TF.js top from its initializers (or from
   * `overrides`, a checkpoint's updated weights by initializer name) and loads the cut lower part.
   */
  static async create(base: TextBackbone, unfreezeTop: UnfreezeTop, overrides?: Map<string, Float32Array>): Promise<SplitEncoder> {
    const total = base.config.numLayers;
    if (unfreezeTop !== 'all' && !(Number.isInteger(unfreezeTop) && unfreezeTop >= 1 && unfreezeTop <= total)) {
      throw usageError(`must be 'all' or a layer count from 1 to ${total} (the model has ${total} layers); got '${unfreezeTop}'`, '--unfreeze-top');
    }
    const bytes = await readFile(base.modelPath);
    const model = decodeModel(bytes);
    const structure = findBertStructure(model.graph);
    const names = encoderTop(structure, unfreezeTop);
    const values = readInitializers(model, trainedInitializers(names), quantizedKernels(names));
    const shape = { hidden: base.config.hiddenSize, heads: base.config.numHeads, layerNormEps: layerNormEps(model) };
    const top = TfBertTop.fromWeights(shape, names, (name) => {
      const original = values.get(name)!;
      const override = overrides?.get(name);
      if (override && override.length !== original.data.length) throw usageError(`the checkpoint's weight '${name}' has ${override.length} values, the backbone's ${original.data.length}`);
      return override ? { dims: original.dims, data: override } : original;
    });
    const k = unfreezeTop === 'all' ? total : unfreezeTop;
    let lower: TextBackbone | null = null;
    if (unfreezeTop !== 'all') {
      const cut = k === total ? structure.embeddings.norm.output : structure.layers[total - k - 1]!.outputNorm.output;
      lower = await loadLowerPart(base, () => decodeModel(bytes), cut, total - k);
    }
    return new SplitEncoder(base, lower, top, k, unfreezeTop);
  }

  get dim(): number {
    return this.base.config.hiddenSize;
  }

  /** Identity of what the lower part computes, for its on-disk cache. */
  get lowerIdentity(): string | null {
    return this.lower ? `${this.base.identity}#lower-${this.base.config.numLayers - this.trainedLayers}` : null;
  }

  /** Which layers train, 1-based as the UI shows them ('embeddings, layers 1-2'). */
  describeTrained(): string {
    const total = this.base.config.numLayers;
    const first = total - this.trainedLayers + 1;
    const layers = first === total ? `layer ${total}` : `layers ${first}-${total}`;
    return this.unfreezeTop === 'all' ? `embeddings + ${layers}` : layers;
  }

  /** The lower part's output for every input, into `states` (float16 or float32), length-bucketed. */
  async computeStates(encoded: EncodedInput[], dtype: CacheDtype, batchSize: number, onProgress?: (done: number, total: number) => void): Promise<RaggedStates> {
    const lengths = encoded.map((e) => e.ids.length);
    const states = RaggedStates.empty(lengths, this.dim, dtype);
    let done = 0;
    for (const indices of planBatches(lengths, { batchSize, bucketing: true })) {
      const batch = padBatch(indices.map((i) => encoded[i]!), this.base.tokenizer.padId);
      const output = await this.lower!.forward(batch);
      indices.forEach((i, row) => states.set(i, output.lastHiddenState, row, batch.seq));
      done += indices.length;
      onProgress?.(done, encoded.length);
    }
    return states;
  }

  /**
   * The TF.js top's input for the examples `indices` of one split, split into groups of similar length
   * (groupByLength): each group is padded only to its own longest row, which the result does not depend
   * on (padding is masked out of attention and pooling) but the cost does, quadratically in attention.
   * `grouped: false` pads the whole batch to its longest row (one group), for measuring the difference.
   */
  async prepare(inputs: LowerInputs, indices: ArrayLike<number>, grouped = true): Promise<PreparedBatch> {
    const lengths = Array.from(indices, (i) => inputs.encoded[i]!.ids.length);
    // Stable: equal lengths keep batch order.
    const order = Int32Array.from(lengths.keys()).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
    const groups: PreparedGroup[] = [];
    let start = 0;
    for (const end of grouped ? groupByLength(Array.from(order, (r) => lengths[r]!), this.dim) : [lengths.length]) {
      groups.push(await this.prepareGroup(inputs, Array.from(order.subarray(start, end), (r) => indices[r]!)));
      start = end;
    }
    return { rows: indices.length, groups, order };
  }

  /** Pooled [B, H] features of a prepared batch through the TF.js top, in batch order; differentiable (call inside tidy / variableGrads). */
  pooled(batch: PreparedBatch, pooling: Pooling): tf.Tensor2D {
    const parts = batch.groups.map((group) => this.pooledGroup(group, pooling));
    const grouped = parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor2D);
    if (batch.order.every((row, at) => row === at)) return grouped;
    const positionOf = new Int32Array(batch.rows);
    batch.order.forEach((row, at) => (positionOf[row] = at));
    return tf.gather(grouped, tf.tensor1d(positionOf, 'int32'));
  }

  private async prepareGroup(inputs: LowerInputs, indices: number[]): Promise<PreparedGroup> {
    const rows = indices.length;
    const encoded = indices.map((i) => inputs.encoded[i]!);
    const seq = encoded.reduce((max, e) => Math.max(max, e.ids.length), 0);
    const mask = new Float32Array(rows * seq);
    encoded.forEach((e, r) => mask.fill(1, r * seq, r * seq + e.ids.length));
    if (inputs.kind === 'states') return { rows, seq, mask, hidden: inputs.states.padded(indices).data };
    if (inputs.kind === 'recompute') {
      const output = await this.lower!.forward(padBatch(encoded, this.base.tokenizer.padId));
      return { rows, seq, mask, hidden: output.lastHiddenState };
    }
    const ids = new Int32Array(rows * seq).fill(this.base.tokenizer.padId);
    const types = new Int32Array(rows * seq);
    encoded.forEach((e, r) => {
      ids.set(e.ids, r * seq);
      types.set(e.typeIds, r * seq);
    });
    return { rows, seq, mask, ids, types };
  }

  private pooledGroup(group: PreparedGroup, pooling: Pooling): tf.Tensor2D {
    const { rows, seq } = group;
    const mask = tf.tensor2d(group.mask, [rows, seq]);
    const h = this.top.forward(this.topInput(group), mask);
    if (pooling === 'cls') return tf.reshape(tf.slice(h, [0, 0, 0], [rows, 1, this.dim]), [rows, this.dim]);
    return tf.div(tf.sum(tf.mul(h, tf.expandDims(mask, 2)), 1), tf.sum(mask, 1, true));
  }

  /** The group's hidden states, or its token ids embedded by the TF.js top when the embeddings train. */
  private topInput(group: PreparedGroup): tf.Tensor3D {
    const { rows, seq } = group;
    if (group.hidden) return tf.tensor3d(group.hidden, [rows, seq, this.dim]);
    return this.top.embed(tf.tensor2d(group.ids!, [rows, seq], 'int32'), tf.tensor2d(group.types!, [rows, seq], 'int32'));
  }

  /**
   * Pooled features of a whole split with the current weights (evaluation, prediction); `pool` computes a
   * batch's (one group, rows back in batch order) instead of the TF.js top: the ONNX Runtime engine's forward graph.
   */
  async features(inputs: LowerInputs, pooling: Pooling, batchSize = 64, pool?: (batch: PreparedBatch) => Promise<Float32Array>): Promise<FeatureMatrix> {
    const n = inputs.encoded.length;
    const data = new Float32Array(n * this.dim);
    for (const indices of planBatches(inputs.encoded.map((e) => e.ids.length), { batchSize, bucketing: true })) {
      const prepared = await this.prepare(inputs, indices, !pool);
      const values = pool ? await pool(prepared) : await this.pooledValues(prepared, pooling);
      indices.forEach((i, r) => data.set(values.subarray(r * this.dim, (r + 1) * this.dim), i * this.dim));
      await new Promise(setImmediate);
    }
    return { rows: n, dim: this.dim, data };
  }

  private async pooledValues(prepared: PreparedBatch, pooling: Pooling): Promise<Float32Array> {
    const pooled = tf.tidy(() => this.pooled(prepared, pooling));
    const values = (await pooled.data()) as Float32Array;
    pooled.dispose();
    return values;
  }

  /** FeatureExtractor.extract for inference: no cache, each batch runs the lower part then the top (or `pool`, as in features()). */
  async extract(inputs: TextInput[], options: ExtractOptions, pool?: (batch: PreparedBatch) => Promise<Float32Array>): Promise<FeatureMatrix> {
    const encoded = this.base.encodeInputs(inputs, options.maxLength);
    const lower: LowerInputs = this.lower ? { kind: 'recompute', encoded } : { kind: 'tokens', encoded };
    const out = await this.features(lower, options.pooling, options.batchSize ?? 32, pool);
    options.onProgress?.(inputs.length, inputs.length);
    return out;
  }

  /**
   * Attention maps of one input: the lower layers' from ONNX Runtime (their weights never change), the
   * trained layers' from the TF.js top, which is what computes them now.
   */
  async attend(input: TextInput, maxLength: number): Promise<AttentionResult> {
    const result = await this.base.attend(input, maxLength);
    const encoded = this.base.encodeInputs([input], maxLength);
    const prepared = await this.prepareGroup(this.lower ? { kind: 'recompute', encoded } : { kind: 'tokens', encoded }, [0]);
    const maps: tf.Tensor4D[] = [];
    tf.tidy(() => {
      this.top.forward(this.topInput(prepared), tf.tensor2d(prepared.mask, [prepared.rows, prepared.seq]), maps);
    });
    const first = this.base.config.numLayers - this.trainedLayers;
    for (let j = 0; j < maps.length; j++) result.layers[first + j] = (await maps[j]!.data()) as Float32Array;
    tf.dispose(maps);
    return result;
  }

  async dispose(): Promise<void> {
    this.top.dispose();
    await this.lower?.dispose();
  }
}

/** LayerNormalization's epsilon from the graph (our generator and opset-17 exports); BERT's 1e-12 otherwise. */
function layerNormEps(model: ReturnType<typeof decodeModel>): number {
  const node = model.graph.node.find((n) => n.opType === 'LayerNormalization');
  return node?.attribute.find((a) => a.name === 'epsilon')?.f ?? 1e-12;
}
