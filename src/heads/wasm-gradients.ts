import * as tf from '@tensorflow/tfjs';

/**
 * Gradients TF.js registers in a form the wasm backend runs slowly or not at all; registered again
 * here (same maths) for wasm and cpu, called once by initTf.
 */
export function registerWasmGradients(): void {
  if (registered) return;
  registered = true;
  registerFastMatMulGradient();
  registerGatherGradient();
}

let registered = false;

/**
 * TF.js's own BatchMatMul gradient multiplies with transpose flags (matMul(dy, b, false, true)); the
 * wasm backend runs those 3-7x slower than a plain product of an explicitly transposed copy, which made
 * autodiff heads 5x slower than hand-written gradients there (npm run bench:head). This registers the
 * same gradient with explicit transposes on wasm and cpu; native backends keep the flags (free there).
 */
function registerFastMatMulGradient(): void {
  const original = tf.getGradient('BatchMatMul');
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const dyT = dy as tf.Tensor;
      if (!['wasm', 'cpu'].includes(tf.getBackend())) return original!.gradFunc(dy, saved, attrs);
      if (!transposeA && !transposeB) return { a: () => tf.matMul(dyT, swap(b)), b: () => tf.matMul(swap(a), dyT) };
      if (!transposeA && transposeB) return { a: () => tf.matMul(dyT, b), b: () => tf.matMul(swap(dyT), a) };
      if (transposeA && !transposeB) return { a: () => tf.matMul(b, swap(dyT)), b: () => tf.matMul(a, dyT) };
      return { a: () => tf.matMul(swap(b), swap(dyT)), b: () => tf.matMul(swap(dyT), swap(a)) };
    },
  });
}

/** The last two axes swapped (a materialised copy). */
function swap(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1]!, perm[perm.length - 2]!];
  return tf.transpose(x, perm);
}

/**
 * Gather's gradient (the embeddings, when the whole encoder trains) is an UnsortedSegmentSum, a kernel
 * the wasm backend lacks; ScatterNd sums repeated indices the same way, and wasm has it. Only the
 * form the embeddings use (axis 0, no batch dims) is replaced; anything else keeps TF.js's gradient.
 */
function registerGatherGradient(): void {
  const original = tf.getGradient('GatherV2');
  tf.registerGradient({
    kernelName: 'GatherV2',
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, saved, attrs) => {
      const [x, indices] = saved as [tf.Tensor, tf.Tensor];
      const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
      if (tf.getBackend() !== 'wasm' || axis !== 0 || batchDims !== 0 || !original) return original!.gradFunc(dy, saved, attrs);
      const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
      return {
        x: () => tf.scatterND(tf.reshape(indices, [indices.size, 1]), tf.reshape(dy as tf.Tensor, [indices.size, width]), [x.shape[0]!, width]).reshape(x.shape),
        indices: () => tf.zerosLike(indices),
      };
    },
  });
}
