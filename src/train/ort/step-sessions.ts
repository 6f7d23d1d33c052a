/**
 * ONNX Runtime sessions of the training-step graph, one per (kind, rows, sequence bucket) and built on
 * first use: the graph is only nodes (the weights are inputs), so building one costs milliseconds, and
 * sequence lengths rounded up to a multiple of SEQUENCE_BUCKET keep the count of distinct shapes small.
 * A `train` session outputs the loss, logits and every weight's gradient; a `forward` one the pooled
 * features and logits (evaluation).
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { PreparedGroup } from '../../backbones/split/split-encoder.ts';
import type { ResolvedDevice } from '../../backbones/device.ts';
import { encodeModel, type GraphProto, type ModelProto } from '../../backbones/onnx/model.ts';
import { factorGradients, type GradientFactorOutputs } from './factor-gradients.ts';
import { STEP, type TrainingGraph, type TrainingGraphSpec } from './training-graph.ts';

/** Padded sequence lengths are multiples of this (capped by the position table when embeddings train). */
export const SEQUENCE_BUCKET = 16;

/** The reverse-mode differentiator's entry point (onnx-grad): adds gradient outputs, returns wrt → output name. */
export type Differentiate = (graph: GraphProto, request: { loss: string; wrt: string[] }) => Map<string, string>;

export type StepKind = 'train' | 'forward';

export interface StepSession {
  session: InferenceSession;
  /** Weight input name → its gradient output ('train' sessions). */
  gradients: Map<string, string>;
  /** Weights whose gradient comes out as two factors instead (factorGradients), by input name. */
  factors: Map<string, GradientFactorOutputs>;
  rows: number;
  seq: number;
}

export type GraphShape = Omit<TrainingGraphSpec, 'batch' | 'seq' | 'dropout'>;

/** Builds the step graph of one (kind, rows, sequence bucket): the layers' (buildTrainingGraph) or the head's alone (buildHeadTrainingGraph). */
export type BuildStepGraph = (kind: StepKind, rows: number, seq: number) => TrainingGraph;

export class StepSessions {
  private readonly cache = new Map<string, Promise<StepSession>>();
  /** Sessions built so far: a step that built one is a warm-up, not a typical step (the epoch estimate skips it). */
  built = 0;
  /**
   * Whether ONNX Runtime's intra-op threads may go on spinning after a run (its default) in sessions built
   * from now on. Not while the optimizer runs on two threads: a spinning thread holds the second core just
   * when the optimizer's worker needs it (K = 1, bert-base size, 2 cores, quiet: apply 14-15 ms on one
   * thread; on two, 18-19 with spinning after the run, 11-12 with it stopped, `session.force_spinning_stop`,
   * or with no spinning at all).
   */
  spinAfterRun = true;

  constructor(
    private readonly build: BuildStepGraph,
    private readonly device: ResolvedDevice,
    private readonly differentiate: Differentiate,
    /** The longest sequence the graph may see (the position table's length when the embeddings train). */
    private readonly maxSequence = Infinity,
    /** ONNX Runtime's intra-op threads (default: its own choice, one per core). */
    private readonly intraOpThreads?: number,
    /** Take few-row linear layers' weight gradients as factors (the optimizer must accept them). */
    private readonly factored = false,
  ) {}

  /** The bucketed length for a batch whose longest example has `seq` tokens. */
  bucket(seq: number): number {
    return Math.max(seq, Math.min(Math.ceil(seq / SEQUENCE_BUCKET) * SEQUENCE_BUCKET, this.maxSequence));
  }

  get(kind: StepKind, rows: number, seq: number): Promise<StepSession> {
    const key = `${kind}:${rows}x${seq}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.create(kind, rows, seq);
      this.built++;
      this.cache.set(key, pending);
      // A failed build is not cached: the error reaches the caller, a later call tries again.
      pending.catch(() => this.cache.delete(key));
    }
    return pending;
  }

  /** Builds (and differentiates) the graph without a session: how `auto` learns whether the ort engine can run this model. */
  graph(kind: StepKind, rows: number, seq: number): { model: ModelProto; weights: string[]; gradients: Map<string, string>; factors: Map<string, GradientFactorOutputs> } {
    const { model, weights } = this.build(kind, rows, seq);
    const gradients = kind === 'train' ? this.differentiate(model.graph, { loss: STEP.loss, wrt: weights }) : new Map<string, string>();
    const factors = this.factored ? factorGradients(model.graph, gradients) : new Map<string, GradientFactorOutputs>();
    return { model, weights, gradients, factors };
  }

  async release(): Promise<void> {
    const sessions = await Promise.allSettled(this.cache.values());
    this.cache.clear();
    for (const s of sessions) if (s.status === 'fulfilled') await s.value.session.release();
  }

  private async create(kind: StepKind, rows: number, seq: number): Promise<StepSession> {
    const ort = await loadOrt();
    const { model, gradients, factors } = this.graph(kind, rows, seq);
    const session = await ort.InferenceSession.create(encodeModel(model), {
      executionProviders: [this.device],
      graphOptimizationLevel: 'all',
      ...(this.intraOpThreads ? { intraOpNumThreads: this.intraOpThreads } : {}),
      ...(this.spinAfterRun ? {} : { extra: { session: { force_spinning_stop: '1' } } }),
    });
    return { session, gradients, factors, rows, seq };
  }
}

/** onnxruntime-node, loaded on first use (its default export is missing under some ESM loaders, e.g. tsx's). */
export async function loadOrt(): Promise<typeof import('onnxruntime-node')> {
  const mod = await import('onnxruntime-node');
  return (mod as unknown as { default?: typeof mod }).default ?? mod;
}

/** A prepared batch right-padded to `seq` tokens: zero hidden states / padding ids, mask 0. */
export function padToSequence(batch: PreparedGroup, seq: number, dim: number, padId: number): PreparedGroup {
  if (seq === batch.seq) return batch;
  const { rows } = batch;
  const widen = <T extends Float32Array | Int32Array>(data: T, width: number, fill: number): T => {
    const out = new (data.constructor as new (n: number) => T)(rows * seq * width);
    out.fill(fill);
    for (let r = 0; r < rows; r++) out.set(data.subarray(r * batch.seq * width, (r + 1) * batch.seq * width) as T, r * seq * width);
    return out;
  };
  return {
    rows,
    seq,
    mask: widen(batch.mask, 1, 0),
    ...(batch.hidden ? { hidden: widen(batch.hidden, dim, 0) } : {}),
    ...(batch.ids ? { ids: widen(batch.ids, 1, padId) } : {}),
    ...(batch.types ? { types: widen(batch.types, 1, 0) } : {}),
  };
}
