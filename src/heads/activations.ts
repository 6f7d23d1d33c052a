import * as tf from '@tensorflow/tfjs';
import type { Activation } from './config.ts';

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

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

/** dL/dz from dL/dh, given the pre-activation z and the activation h = act(z) (the heads' hand-written backward pass). */
export function activateBackward(kind: Activation, z: tf.Tensor2D, h: tf.Tensor2D, dh: tf.Tensor2D): tf.Tensor2D {
  switch (kind) {
    case 'relu':
      return tf.mul(dh, tf.step(z, 0));
    case 'tanh':
      return tf.mul(dh, tf.sub(1, tf.square(h)));
    case 'gelu': {
      // d/dz [z Φ(z)] = Φ(z) + z φ(z)
      const cdf = tf.mul(tf.add(tf.erf(tf.mul(z, SQRT_HALF)), 1), 0.5);
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(z), -0.5)), INV_SQRT_2PI);
      return tf.mul(dh, tf.add(cdf, tf.mul(z, pdf)));
    }
  }
}
