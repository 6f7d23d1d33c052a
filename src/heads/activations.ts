import * as tf from '@tensorflow/tfjs';
import type { Activation } from './config.ts';

const SQRT_HALF = Math.SQRT1_2;

/** Forward activation. GELU is the exact erf form (PyTorch's default `nn.GELU()`). */
export function activate(kind: Activation, z: tf.Tensor2D): tf.Tensor2D {
  switch (kind) {
    case 'relu':
      return tf.relu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'gelu':
      return tf.mul(tf.mul(z, 0.5), tf.add(tf.erf(tf.mul(z, SQRT_HALF)), 1));
  }
}
