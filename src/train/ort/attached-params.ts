import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../../heads/head.ts';
import { ArrayOptimizer } from '../array-optimizer.ts';
import type { Gradient } from '../factored-gradient.ts';
import type { Optimizer } from '../optimizers.ts';
import type { OptimizerThreads } from '../simd/thread-split.ts';

export interface WeightArray {
  data: Float32Array;
  dims: number[];
}

/**
 * TF.js variables and their optimizer state, taken over as Float32Arrays by an ONNX Runtime engine while
 * it trains them (ArrayOptimizer holds the arrays and updates them in place, so session inputs made
 * from them stay valid); flush() writes both back, so checkpoints, evaluation and export read the TF.js side whichever
 * engine trained. Both copies are exact (float32 to float32), so a checkpoint resumes bit for bit.
 */
export class AttachedParams {
  private constructor(
    private readonly params: NamedVariable[],
    private readonly optimizer: Optimizer,
    private readonly arrays: ArrayOptimizer,
    /** By optimizer name, in `params` order. */
    readonly weights: Map<string, WeightArray>,
  ) {}

  static async attach(params: NamedVariable[], optimizer: Optimizer, threads: OptimizerThreads = 'auto'): Promise<AttachedParams> {
    const arrays = [];
    for (const { name, variable, decay, lrScale } of params) {
      arrays.push({ name, data: (await variable.data()) as Float32Array, shape: variable.shape.slice(), decay, ...(lrScale === undefined ? {} : { lrScale }) });
    }
    const optimizerArrays = new ArrayOptimizer(optimizer.config, arrays, { threads });
    optimizerArrays.importState(await optimizer.exportState());
    const weights = new Map(arrays.map(({ name, shape }) => [name, { data: optimizerArrays.weight(name), dims: shape }] as const));
    return new AttachedParams(params, optimizer, optimizerArrays, weights);
  }

  /** Where the optimizer reads a weight's gradient, for a session to write it there (null: anywhere will do). */
  gradientBuffer(name: string): Float32Array | null {
    return this.arrays.gradientBuffer(name);
  }

  /** One optimizer update of the arrays from the step's gradients (by optimizer name). */
  apply(grads: Map<string, Gradient>, lr: number, maxGradNorm: number): void {
    this.arrays.apply(grads, lr, maxGradNorm);
  }

  /** The optimizer's threads (2: it has a worker thread). */
  get optimizerThreads(): 1 | 2 {
    return this.arrays.threads;
  }

  /** Ends the optimizer's worker thread, if it has one. */
  async dispose(): Promise<void> {
    await this.arrays.dispose();
  }

  /** Leaves the TF.js variables and optimizer holding the arrays' values. */
  async flush(): Promise<void> {
    for (const { name, variable } of this.params) tf.tidy(() => variable.assign(tf.tensor(this.weights.get(name)!.data, variable.shape)));
    // The optimizer may also hold parameters this engine does not train (the backbone layers, while a head trains alone).
    this.optimizer.importState(await this.arrays.exportState(), [...this.weights.keys()]);
  }
}
