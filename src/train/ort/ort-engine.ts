/**
 * The ONNX Runtime training engine: each step runs the training-step graph (forward, loss and every
 * weight's gradient, from the reverse-mode differentiator) in ONNX Runtime on the backbone's device,
 * then AdamW on Float32Arrays. The weights and the optimizer state live here while the layers train;
 * flush() writes them back into the TF.js variables and optimizer, which checkpoints, evaluation and
 * export read, so everything but the step is the TF.js engine's code.
 */
import type { Tensor } from 'onnxruntime-node';
import type { PreparedBatch, SplitEncoder } from '../../backbones/split/split-encoder.ts';
import type { ResolvedDevice } from '../../backbones/device.ts';
import type { Pooling, Rng } from '../../core/index.ts';
import { layerShapes, type HeadSpec } from '../../heads/config.ts';
import { dropoutMaskValues, type NamedVariable } from '../../heads/head.ts';
import type { Gradient } from '../factored-gradient.ts';
import { AttachedParams } from './attached-params.ts';
import type { OptimizerThreads } from '../simd/thread-split.ts';
import type { Optimizer } from '../optimizers.ts';
import type { EngineStepOptions, StepResult, TrainingEngine } from '../engine.ts';
import { loadOrt, padToSequence, StepSessions, type Differentiate, type GraphShape, type StepKind } from './step-sessions.ts';
import { buildTrainingGraph, STEP } from './training-graph.ts';

/** A batch's labels and dropout masks, rows in batch order. */
export interface StepInputs {
  labels: Int32Array;
  /** Per-class loss weights (null: all 1). */
  classWeights: Float32Array | null;
  /** Inverted-dropout masks of the MLP head's hidden layers, by layer name ('dense_0'). */
  dropout?: Map<string, Float32Array>;
}

/** Rows in batch order. */
export interface StepOutputs {
  loss: number;
  /** [rows, classes] */
  logits: Float32Array;
  /** [rows, hidden] */
  pooled: Float32Array;
  /** Gradient of the loss for each weight, by the optimizer's name ('train' only; empty for 'forward'): few-row linear layers' as factors. */
  grads: Map<string, Gradient>;
}

export class OrtEngine implements TrainingEngine {
  readonly name: string;
  /** One group a batch: the graph's shapes are per sequence bucket, and a step is one session run. */
  readonly lengthGroups = false;
  private readonly sessions: StepSessions;
  /** The step graph's spec apart from its shape bucket (benchmarks build variants of it). */
  readonly graphShape: GraphShape;
  private readonly dim: number;
  private readonly padId: number;
  private readonly weights = new Map<string, { data: Float32Array; dims: number[] }>();
  private attached: AttachedParams | null = null;
  private readonly optimizerThreads: OptimizerThreads;

  constructor(
    split: SplitEncoder,
    private readonly head: HeadSpec,
    pooling: Pooling,
    differentiate: Differentiate,
    device: ResolvedDevice,
    {
      factorGradients = true,
      optimizerThreads = 'auto',
    }: {
      /** Few-row linear layers' weight gradients as factors (factor-gradients.ts); false: all dense (benchmarks compare). */
      factorGradients?: boolean;
      /** The optimizer pass's threads (simd/thread-split.ts). */
      optimizerThreads?: OptimizerThreads;
    } = {},
  ) {
    this.optimizerThreads = optimizerThreads;
    const { names, shape } = split.top;
    const weightDims = new Map(split.top.variables().map(({ name, variable }) => [name, variable.shape.slice()]));
    const position = names.embeddings ? weightDims.get(names.embeddings.position)![0] : Infinity;
    if (pooling !== 'cls' && pooling !== 'mean') throw new Error(`the ort engine pools by cls or mean, not '${pooling}'`);
    const graphShape = { names, hidden: shape.hidden, heads: shape.heads, layerNormEps: shape.layerNormEps, weightDims, head, pooling };
    this.graphShape = graphShape;
    this.sessions = new StepSessions((kind, rows, seq) => buildTrainingGraph({ ...graphShape, batch: rows, seq, dropout: kind === 'train' }), device, differentiate, position, undefined, factorGradients);
    this.dim = shape.hidden;
    this.padId = split.base.tokenizer.padId;
    this.name = `ort ${device}`;
  }

  /** Builds and differentiates one step graph (no session): throws where this model or head cannot train on ONNX Runtime. */
  check(rows: number): void {
    this.sessions.graph('train', rows, this.sessions.bucket(1));
  }

  /** Builds the forward (evaluation) graph without a session: throws where it cannot run this model. */
  forwardGraph(rows: number): void {
    this.sessions.graph('forward', rows, this.sessions.bucket(1));
  }

  /** Uses these values for the weights (by optimizer name) from now on. */
  setWeights(values: Iterable<{ name: string; data: Float32Array; dims: number[] }>): void {
    for (const { name, data, dims } of values) this.weights.set(name, { data, dims });
  }

  async step(batch: PreparedBatch, labels: Int32Array, dropoutRng: Rng, options: EngineStepOptions): Promise<StepResult> {
    if (!this.attached) throw new Error('the ort engine trains after attach()');
    const out = await this.compute('train', batch, { labels, classWeights: options.classWeights, dropout: this.dropoutMasks(batch.rows, dropoutRng) });
    this.attached.apply(out.grads, options.lr, options.maxGradNorm);
    return { loss: out.loss, correct: countCorrect(out.logits, labels, this.head.numClasses) };
  }

  /**
   * Takes over the TF.js variables' values and the optimizer's state: from here on the engine's copies
   * are the ones that train, until flush() hands them back.
   */
  async attach(params: NamedVariable[], optimizer: Optimizer): Promise<void> {
    await this.attached?.dispose();
    this.attached = await AttachedParams.attach(params, optimizer, this.optimizerThreads);
    // Sessions built before keep their setting (attach comes before the first training step).
    this.sessions.spinAfterRun = this.attached.optimizerThreads === 1;
    this.setWeights([...this.attached.weights].map(([name, { data, dims }]) => ({ name, data, dims })));
  }

  /** Evaluation's features: the step graph's forward session (no gradients, no dropout). */
  async pooled(batch: PreparedBatch): Promise<Float32Array> {
    return (await this.compute('forward', batch, { labels: new Int32Array(batch.rows), classWeights: null })).pooled;
  }

  graphsBuilt(): number {
    return this.sessions.built;
  }

  async flush(): Promise<void> {
    await this.attached?.flush();
  }

  /**
   * One run of the step graph on a batch prepared as one group (SplitEncoder.prepare(…, false), rows
   * sorted by length), padded to its sequence bucket here: loss, logits, pooled features and, for
   * 'train', the gradients. Labels and dropout masks come, and logits and features go back, in batch order.
   */
  async compute(kind: StepKind, batch: PreparedBatch, inputs: StepInputs): Promise<StepOutputs> {
    if (batch.groups.length !== 1) throw new Error('the ort engine takes a batch prepared as one group');
    const group = batch.groups[0]!;
    const { order } = batch;
    const seq = this.sessions.bucket(group.seq);
    const padded = padToSequence(group, seq, this.dim, this.padId);
    const labels = Int32Array.from(order, (row) => inputs.labels[row]!);
    const { session, gradients, factors } = await this.sessions.get(kind, batch.rows, seq);
    const ort = await loadOrt();
    const feeds: Record<string, Tensor> = {};
    const wanted = new Set(session.inputNames);
    const feed = (name: string, make: () => Tensor) => {
      if (wanted.has(name)) feeds[name] = make();
    };
    const { rows } = batch;
    feed(STEP.mask, () => new ort.Tensor('float32', padded.mask, [rows, seq]));
    if (padded.hidden) feed(STEP.hidden, () => new ort.Tensor('float32', padded.hidden!, [rows, seq, this.dim]));
    if (padded.ids) {
      feed(STEP.inputIds, () => new ort.Tensor('int64', BigInt64Array.from(padded.ids!, BigInt), [rows, seq]));
      feed(STEP.tokenTypeIds, () => new ort.Tensor('int64', BigInt64Array.from(padded.types!, BigInt), [rows, seq]));
    }
    feed(STEP.labels, () => new ort.Tensor('int64', BigInt64Array.from(labels, BigInt), [rows]));
    feed(STEP.classWeights, () => new ort.Tensor('float32', inputs.classWeights ?? new Float32Array(this.head.numClasses).fill(1), [this.head.numClasses]));
    for (const [layer, mask] of inputs.dropout ?? []) feed(STEP.dropoutMask(layer), () => new ort.Tensor('float32', permuteRows(mask, order, mask.length / rows, false), [rows, mask.length / rows]));
    for (const [name, { data, dims }] of this.weights) feed(name, () => new ort.Tensor('float32', data, dims));
    const missing = session.inputNames.find((name) => !(name in feeds));
    if (missing) throw new Error(`the ort engine has no value for the step graph's input '${missing}'`);
    // Gradients go straight into the optimizer's buffers (preallocated outputs), saving a copy per step.
    const fetches: Record<string, Tensor | null> = { [STEP.loss]: null, [STEP.logits]: null, [STEP.pooled]: null };
    for (const { a, b } of factors.values()) Object.assign(fetches, { [a]: null, [b]: null });
    const grads = new Map<string, Gradient>();
    for (const [weight, output] of gradients) {
      const buffer = this.attached?.gradientBuffer(weight);
      fetches[output] = buffer ? new ort.Tensor('float32', buffer, this.weights.get(weight)!.dims) : null;
      if (buffer) grads.set(weight, buffer);
    }
    const result = await session.run(feeds, fetches);
    for (const [weight, output] of gradients) if (!grads.has(weight)) grads.set(weight, result[output]!.data as Float32Array);
    for (const [weight, { a, b, rank }] of factors) grads.set(weight, { a: result[a]!.data as Float32Array, b: result[b]!.data as Float32Array, rank });
    return {
      loss: (result[STEP.loss]!.data as Float32Array)[0]!,
      logits: permuteRows(result[STEP.logits]!.data as Float32Array, order, this.head.numClasses, true),
      pooled: permuteRows(result[STEP.pooled]!.data as Float32Array, order, this.dim, true),
      grads,
    };
  }

  async dispose(): Promise<void> {
    await this.attached?.dispose();
    await this.sessions.release();
  }

  /** The masks Head.forward would draw for this batch from this generator, in its order. */
  dropoutMasks(rows: number, rng: Rng): Map<string, Float32Array> {
    return headDropoutMasks(this.head, rows, rng);
  }
}

/** The inverted-dropout masks Head.forward draws for a batch of `rows` from `rng`, by layer name, in its order. */
export function headDropoutMasks(head: HeadSpec, rows: number, rng: Rng): Map<string, Float32Array> {
  const masks = new Map<string, Float32Array>();
  if (head.type !== 'mlp' || head.dropout <= 0) return masks;
  for (const { name, outputs } of layerShapes(head).slice(0, -1)) masks.set(name, dropoutMaskValues(rows, outputs, head.dropout, rng));
  return masks;
}

/**
 * Rows of a [rows, width] matrix between batch order and group order (`order[at]` is the batch row at
 * group position `at`): to group order, or back to batch order with `back`.
 */
function permuteRows(data: Float32Array, order: Int32Array, width: number, back: boolean): Float32Array {
  if (order.every((row, at) => row === at)) return data;
  const out = new Float32Array(data.length);
  order.forEach((row, at) => {
    const [to, from] = back ? [row, at] : [at, row];
    out.set(data.subarray(from * width, (from + 1) * width), to * width);
  });
  return out;
}

/** Rows whose largest logit (the first, on ties: tf.argMax's rule) is the label. */
export function countCorrect(logits: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c]! > logits[r * classes + best]!) best = c;
    if (best === labels[r]) correct++;
  }
  return correct;
}
