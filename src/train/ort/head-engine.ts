/**
 * Head-only training steps in ONNX Runtime: the head's step graph (buildHeadTrainingGraph: the layers'
 * step graph without the backbone, same head and loss nodes, gradients from onnx-grad), one session per
 * batch size, then AdamW on Float32Arrays (AttachedParams). Chosen over TF.js by measurement: at batch 32
 * a TF.js step is ~60 op dispatches, tensor uploads and disposals, a tidy and two read-backs, ~1 ms of
 * overhead for ~0.15 M multiply-adds (a linear head's epoch over 400k × 768 took 17 s); here a step is one
 * session run over a reused batch buffer (bench/head-throughput.ts). A plain-JS loop for the linear head
 * measured the same CPU time, and would have been a third copy of the head's maths.
 */
import type { Tensor } from 'onnxruntime-node';
import type { FeatureMatrix, Rng } from '../../core/index.ts';
import type { HeadSpec } from '../../heads/config.ts';
import type { NamedVariable } from '../../heads/head.ts';
import { gatherBatch, type Batch } from '../batches.ts';
import type { EngineStepOptions, HeadStepEngine, StepResult } from '../engine.ts';
import type { Optimizer } from '../optimizers.ts';
import { AttachedParams } from './attached-params.ts';
import { countCorrect, headDropoutMasks } from './ort-engine.ts';
import { loadOrt, StepSessions, type Differentiate } from './step-sessions.ts';
import { buildHeadTrainingGraph, STEP } from './training-graph.ts';

type Ort = Awaited<ReturnType<typeof loadOrt>>;

/** A batch size's reused input buffers and the feeds that never change (the weights, read in place). */
interface Slot {
  batch: Batch;
  labels: BigInt64Array;
  feeds: Record<string, Tensor>;
}

export class OrtHeadEngine implements HeadStepEngine {
  readonly name = 'ort cpu';
  private readonly slots = new Map<number, Slot>();

  private constructor(
    private readonly spec: HeadSpec,
    private readonly sessions: StepSessions,
    private readonly attached: AttachedParams,
    private readonly ort: Ort,
  ) {}

  /** Builds the session for `batchSize` rows (throws where ONNX Runtime cannot run this head), then takes over the weights and optimizer state. */
  static async create(spec: HeadSpec, params: NamedVariable[], optimizer: Optimizer, differentiate: Differentiate, batchSize: number): Promise<OrtHeadEngine> {
    // One intra-op thread: a head's products at batch 32 are too small to split well, and on a shared
    // CPU a second thread's hand-offs stall whenever it is descheduled (bench/head-throughput.ts, 2 cores
    // under load ~8, interleaved: linear 108k vs 24k and 52k vs 23k examples/s, MLP 11.0k vs 3.5k and
    // 3.2k vs 1.6k, one thread first). The JS optimizer update runs between runs on the main thread anyway.
    const sessions = new StepSessions((kind, rows) => buildHeadTrainingGraph({ head: spec, batch: rows, dropout: kind === 'train' }), 'cpu', differentiate, Infinity, 1);
    try {
      await sessions.get('train', batchSize, 1);
      return new OrtHeadEngine(spec, sessions, await AttachedParams.attach(params, optimizer), await loadOrt());
    } catch (error) {
      await sessions.release();
      throw error;
    }
  }

  async step(train: { features: FeatureMatrix; labels: Int32Array }, order: Int32Array, start: number, end: number, dropoutRng: Rng, options: EngineStepOptions): Promise<StepResult> {
    const rows = end - start;
    const slot = this.slot(rows);
    const { y } = gatherBatch(train.features, train.labels, order, start, end, slot.batch);
    for (let i = 0; i < rows; i++) slot.labels[i] = BigInt(y[i]!);
    const { numClasses } = this.spec;
    const feeds: Record<string, Tensor> = { ...slot.feeds, [STEP.classWeights]: new this.ort.Tensor('float32', options.classWeights ?? new Float32Array(numClasses).fill(1), [numClasses]) };
    for (const [layer, mask] of headDropoutMasks(this.spec, rows, dropoutRng)) feeds[STEP.dropoutMask(layer)] = new this.ort.Tensor('float32', mask, [rows, mask.length / rows]);
    const { session, gradients } = await this.sessions.get('train', rows, 1);
    const result = await session.run(feeds);
    const grads = new Map<string, Float32Array>();
    for (const [weight, output] of gradients) grads.set(weight, result[output]!.data as Float32Array);
    this.attached.apply(grads, options.lr, options.maxGradNorm);
    return { loss: (result[STEP.loss]!.data as Float32Array)[0]!, correct: countCorrect(result[STEP.logits]!.data as Float32Array, y, numClasses) };
  }

  flush(): Promise<void> {
    return this.attached.flush();
  }

  async dispose(): Promise<void> {
    await this.sessions.release();
  }

  private slot(rows: number): Slot {
    let slot = this.slots.get(rows);
    if (!slot) {
      const batch = { x: new Float32Array(rows * this.spec.inputDim), y: new Int32Array(rows), rows };
      const labels = new BigInt64Array(rows);
      const feeds: Record<string, Tensor> = {
        [STEP.features]: new this.ort.Tensor('float32', batch.x, [rows, this.spec.inputDim]),
        [STEP.labels]: new this.ort.Tensor('int64', labels, [rows]),
      };
      for (const [name, { data, dims }] of this.attached.weights) feeds[name] = new this.ort.Tensor('float32', data, dims);
      slot = { batch, labels, feeds };
      this.slots.set(rows, slot);
    }
    return slot;
  }
}
