import type { PreparedBatch, SplitEncoder } from '../backbones/split/split-encoder.ts';
import type { Pooling, Rng } from '../core/index.ts';
import type { Head, NamedVariable } from '../heads/head.ts';
import type { EngineStepOptions, StepResult, TrainingEngine } from './engine.ts';
import type { Optimizer } from './optimizers.ts';
import { autodiffGradients, trainStep } from './step.ts';

/** The reference engine: TF.js autodiff through the TF.js top and the head, the TF.js optimizer. */
export class TfjsEngine implements TrainingEngine {
  readonly name: string;
  readonly lengthGroups = true;

  constructor(
    private readonly split: SplitEncoder,
    private readonly head: Head,
    private readonly pooling: Pooling,
    private readonly params: NamedVariable[],
    private readonly optimizer: Optimizer,
    tfBackend: string,
  ) {
    this.name = `tfjs ${tfBackend}`;
  }

  step(batch: PreparedBatch, labels: Int32Array, dropoutRng: Rng, options: EngineStepOptions): Promise<StepResult> {
    const forward = () => this.head.forward(this.split.pooled(batch, this.pooling), dropoutRng);
    return trainStep(this.optimizer, labels, autodiffGradients(this.params, forward), { lr: options.lr, maxGradNorm: options.maxGradNorm, classWeights: options.classWeightsTensor });
  }

  async flush(): Promise<void> {}

  async dispose(): Promise<void> {}
}
