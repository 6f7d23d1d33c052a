import * as tf from '@tensorflow/tfjs';
import { usageError } from '../errors.ts';
import type { Rng } from '../core/index.ts';
import type { HeadSpec } from '../heads/config.ts';
import type { Head } from '../heads/head.ts';
import { gatherBatch } from './batches.ts';
import type { EngineStepOptions, HeadStepEngine, StepResult, TrainEngineChoice } from './engine.ts';
import type { Emit } from './events.ts';
import { addGradients } from './onnx-grad/index.ts';
import type { Optimizer } from './optimizers.ts';
import { OrtHeadEngine } from './ort/head-engine.ts';
import { autodiffGradients, headGradients, trainStep } from './step.ts';

/** How TF.js head-only steps get their gradients: the head's hand-written backward pass, or autodiff (the reference). */
export type HeadGradientsBy = 'hand-written' | 'autodiff';

/** The reference head-only steps: TF.js, one fresh batch tensor a step, the TF.js optimizer. */
export class TfjsHeadSteps implements HeadStepEngine {
  readonly name: string;

  constructor(
    private readonly head: Head,
    private readonly optimizer: Optimizer,
    private readonly gradientsBy: HeadGradientsBy,
    tfBackend: string,
  ) {
    this.name = `tfjs ${tfBackend}`;
  }

  step(train: Parameters<HeadStepEngine['step']>[0], order: Int32Array, start: number, end: number, dropoutRng: Rng, options: EngineStepOptions): Promise<StepResult> {
    const rows = gatherBatch(train.features, train.labels, order, start, end);
    const x = () => tf.tensor2d(rows.x, [rows.rows, train.features.dim]);
    const gradients = this.gradientsBy === 'autodiff' ? autodiffGradients(this.head.variables(), () => this.head.forward(x(), dropoutRng)) : headGradients(this.head, x, dropoutRng);
    return trainStep(this.optimizer, rows.y, gradients, { lr: options.lr, maxGradNorm: options.maxGradNorm, classWeights: options.classWeightsTensor });
  }

  async flush(): Promise<void> {}

  async dispose(): Promise<void> {}
}

export interface HeadStepContext {
  /** `auto` and `ort`: ONNX Runtime's head step graph; `tfjs`: TF.js (gradients by `gradientsBy`). */
  choice: TrainEngineChoice;
  gradientsBy: HeadGradientsBy;
  head: Head;
  spec: HeadSpec;
  optimizer: Optimizer;
  tfBackend: string;
  batchSize: number;
  emit: Emit;
}

/** The engine of the head-only steps; `auto` falls back to TF.js, saying why, where ONNX Runtime cannot build the head's step. */
export async function chooseHeadStepEngine(c: HeadStepContext): Promise<HeadStepEngine> {
  const tfjs = () => new TfjsHeadSteps(c.head, c.optimizer, c.gradientsBy, c.tfBackend);
  if (c.choice === 'tfjs') return tfjs();
  try {
    return await OrtHeadEngine.create(c.spec, c.head.variables(), c.optimizer, addGradients, c.batchSize);
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    if (c.choice === 'ort') throw usageError(`the head cannot train on ONNX Runtime: ${why}; use --train-engine tfjs`, '--train-engine');
    c.emit({ type: 'notice', message: `the head trains on tfjs ${c.tfBackend} (--train-engine auto: ONNX Runtime cannot: ${why})` });
    return tfjs();
  }
}
