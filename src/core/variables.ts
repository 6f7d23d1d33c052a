import type * as tf from '@tensorflow/tfjs';

/** A trainable TF.js variable under the name checkpoints and the optimizer know it by. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
  /** Weight decay applies to kernels only (biases are exempt, as in the HF Trainer). */
  decay: boolean;
  /** This parameter's learning rate as a fraction of the run's (backbone layers: --backbone-lr-ratio); default 1. */
  lrScale?: number;
}
