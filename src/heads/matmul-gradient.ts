import * as tf from '@tensorflow/tfjs';

/**
 * TF.js's own BatchMatMul gradient multiplies with transpose flags (matMul(dy, b, false, true)); the
 * wasm backend runs those 3-7x slower than a plain product of an explicitly transposed copy, which made
 * autodiff heads 5x slower than hand-written gradients there (npm run bench:head). This registers the
 * same gradient with explicit transposes on wasm and cpu; native backends keep the flags (free there).
 */
export function registerFastMatMulGradient(): void {
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const dyT = dy as tf.Tensor;
      if (!['wasm', 'cpu'].includes(tf.getBackend())) return flagged(dyT, a, b, transposeA, transposeB);
      if (!transposeA && !transposeB) return { a: () => tf.matMul(dyT, swap(b)), b: () => tf.matMul(swap(a), dyT) };
      if (!transposeA && transposeB) return { a: () => tf.matMul(dyT, b), b: () => tf.matMul(swap(dyT), a) };
      if (transposeA && !transposeB) return { a: () => tf.matMul(b, swap(dyT)), b: () => tf.matMul(a, dyT) };
      return { a: () => tf.matMul(swap(b), swap(dyT)), b: () => tf.matMul(swap(dyT), swap(a)) };
    },
  });
}

/** TF.js's original gradient (tfjs-core gradients/BatchMatMul_grad). */
function flagged(dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean) {
  if (!transposeA && !transposeB) return { a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) };
  if (!transposeA && transposeB) return { a: () => tf.matMul(dy, b, false, false), b: () => tf.matMul(dy, a, true, false) };
  if (transposeA && !transposeB) return { a: () => tf.matMul(b, dy, false, true), b: () => tf.matMul(a, dy, false, false) };
  return { a: () => tf.matMul(b, dy, true, true), b: () => tf.matMul(dy, a, true, true) };
}

/** The last two axes swapped (a materialised copy). */
function swap(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1]!, perm[perm.length - 2]!];
  return tf.transpose(x, perm);
}
