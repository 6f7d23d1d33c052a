/**
 * Both layer-training engines over one split of a text backbone, the same head and starting weights, as
 * fit() sets them up (linear head, cls pooling, AdamW + clipping, backbone lr ratio 0.1): what
 * bench/train-engines.ts times and bench/ort-step-profile.ts takes apart.
 */
import type { TextBackbone } from '../src/backbones/types.ts';
import { SplitEncoder, type LowerInputs, type UnfreezeTop } from '../src/backbones/split/split-encoder.ts';
import type { ResolvedDevice } from '../src/backbones/device.ts';
import { Rng } from '../src/core/index.ts';
import type { EncodedInput } from '../src/encode/pairs.ts';
import { Head } from '../src/heads/head.ts';
import { BACKBONE_OPTIMIZER_PREFIX } from '../src/train/checkpoints.ts';
import type { TrainingEngine } from '../src/train/engine.ts';
import { addGradients } from '../src/train/onnx-grad/index.ts';
import { Optimizer } from '../src/train/optimizers.ts';
import { OrtEngine } from '../src/train/ort/ort-engine.ts';
import type { OptimizerThreads } from '../src/train/simd/thread-split.ts';
import { TfjsEngine } from '../src/train/tfjs-engine.ts';

export interface Trainer {
  split: SplitEncoder;
  /** Labels of the subset, in its order. */
  labels: Int32Array;
  inputs: LowerInputs;
  ort: OrtEngine;
  tfjs: TfjsEngine;
  /** Seconds the lower part's states of the subset took (0 when the embeddings train). */
  statesSeconds: number;
  /** Another ort engine over the same split, weights and optimizer (attached: its own copies), with other options. */
  ortWith: (options: ConstructorParameters<typeof OrtEngine>[5]) => Promise<OrtEngine>;
  dispose: () => Promise<void>;
}

/** Both engines at top-k `k` on `subset` (examples with their labels); the lower part's states computed first (timed). */
export async function layerTrainers(base: TextBackbone, tfBackend: string, k: UnfreezeTop, subset: EncodedInput[], subsetLabels: Int32Array, { factorGradients = true, optimizerThreads = 'auto' as OptimizerThreads } = {}): Promise<Trainer> {
  const split = await SplitEncoder.create(base, k);
  const started = performance.now();
  const inputs: LowerInputs = split.lower ? { kind: 'states', states: await split.computeStates(subset, 'float16', 32), encoded: subset } : { kind: 'tokens', encoded: subset };
  const statesSeconds = (performance.now() - started) / 1000;
  const spec = { type: 'linear' as const, inputDim: split.dim, numClasses: 3 };
  const head = Head.create(spec, new Rng(1));
  const params = [...head.variables(), ...split.top.variables().map((v) => ({ ...v, name: `${BACKBONE_OPTIMIZER_PREFIX}${v.name}`, lrScale: 0.1 }))];
  const optimizer = new Optimizer({ kind: 'adamw', weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, momentum: 0 }, params);
  const ortWith = async (options: ConstructorParameters<typeof OrtEngine>[5]) => {
    const engine = new OrtEngine(split, spec, 'cls', addGradients, base.device as ResolvedDevice, options);
    await engine.attach(params, optimizer);
    return engine;
  };
  const ort = await ortWith({ factorGradients, optimizerThreads });
  const tfjs = new TfjsEngine(split, head, 'cls', params, optimizer, tfBackend);
  return {
    split,
    labels: subsetLabels,
    inputs,
    ort,
    tfjs,
    statesSeconds,
    ortWith,
    dispose: async () => {
      await ort.dispose();
      optimizer.dispose();
      head.dispose();
      await split.dispose();
    },
  };
}

export interface Timing {
  wall: number;
  /** CPU seconds of all the process's threads. */
  cpu: number;
}

/**
 * Wall and CPU seconds for one optimizer step on the examples `indices` of the trainer's subset (prepare
 * + step), as fit() runs it. On a machine shared with other work the CPU seconds are the steadier figure;
 * the wall seconds are what a user waits.
 */
export async function timeStep(engine: TrainingEngine, t: Trainer, indices: Int32Array, step: number): Promise<Timing> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const batch = await t.split.prepare(t.inputs, indices, engine.lengthGroups);
  await engine.step(batch, Int32Array.from(indices, (i) => t.labels[i]!), new Rng(step), { lr: 1e-4, maxGradNorm: 1, classWeights: null, classWeightsTensor: null });
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}
