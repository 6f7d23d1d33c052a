import { availableParallelism } from 'node:os';

/**
 * How many threads run the optimizer's SIMD pass: 1, 2 (a worker thread updates about half of the
 * parameters while the caller's thread updates the rest; arena-worker.ts), or 'auto': 2 from
 * TWO_THREADS_FROM parameters on a machine with a second core and shared memory.
 *
 * Measured on the 2-core dev machine (Xeon, KVM, shared with other work; priority raised; best of 10-25):
 *   - one core does not saturate memory: a 28 MiB copy 12.8-20.5 GB/s (read + written) on one thread, 22.5-31.5 on two; a 113 MiB
 *     fill 7.3 vs 14.1 GB/s; the Adam kernel over 7.1 M parameters 9.4-10.0 ms on one thread, 5.2 on two
 *     halves (a worker alone runs it as fast as the main thread);
 *   - ArrayOptimizer.apply over bert-base's top layer + head (bench/optimizer-step.ts, factored case),
 *     machine otherwise idle: 15.3-17.7 → 11.3-12.6 ms (best), 16.6-19.4 → 12.2-13.3 (median). The
 *     caller's thread also copies the worker's weights out (onnxruntime-node refuses arrays on a
 *     SharedArrayBuffer: ~2.5 ms for 3.5 M weights the other core just wrote) and stages their gradients;
 *   - in the ort engine's K = 1 step (bench/ort-step-profile.ts), idle machine, apply median / min: one
 *     thread 14.4-15.2 / 13.7-14.6 ms; two 18.3-19.6 / 17.7-18.4 while ONNX Runtime's intra-op thread
 *     spins after each run (it holds the second core), 11.5-12.0 / 10.9-11.3 with the spinning stopped
 *     after each run, which the engine then sets (step-sessions.ts; session.run no slower). Whole step
 *     (with the folded [CLS] query), processes of --optimizer-threads 1 and 2 alternated, 20 steps each,
 *     six pairs at load 2.1-3.3, median / min ms: one thread 38.2-46.0 / 26.7-34.5 (apply 16.0-17.3 /
 *     14.5-16.3), two 26.9-41.4 / 23.0-27.2 (apply 11.8-13.2 / 10.9-12.3);
 *   - when other work holds the second core, the caller's thread takes the jobs the worker has not
 *     started (arena-worker.ts help()), so two threads cost about the copy-out: factored apply 16.0 vs
 *     17.2 ms at load 6.6.
 * A round trip to the worker (Atomics.notify, Atomics.wait) costs 12-70 µs, so below ~1 M parameters
 * (~1.3 ms of kernel time) one thread is as fast.
 */
export type OptimizerThreads = 1 | 2 | 'auto';

/** The parameter count from which 'auto' takes a second thread. */
export const TWO_THREADS_FROM = 1_000_000;

/** Whether 'auto' takes a worker thread for `parameters` parameters: enough of them, a second core, shared memory. */
export function workerThreadsPay(parameters: number): boolean {
  return parameters >= TWO_THREADS_FROM && availableParallelism() >= 2 && typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object';
}

/**
 * Which parameters (by index into `lengths`) the worker updates: whole parameters (each parameter's arrays
 * live in one memory: the worker's must be shared, and onnxruntime-node reads the weights from an
 * unshared copy), largest first, each to the side that is further below its share of the work. The
 * worker's share is `workerShare` of the parameters; the caller's thread also copies the worker's weights
 * out as they are done.
 */
export function splitForWorker(lengths: number[], workerShare = 0.5): Set<number> {
  const total = lengths.reduce((a, b) => a + b, 0);
  const toWorker = new Set<number>();
  let [worker, own] = [0, 0];
  for (const i of lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]!)) {
    const workerBelow = worker / workerShare - own / (1 - workerShare);
    if (workerBelow <= 0 && toWorker.size < lengths.length - 1) {
      toWorker.add(i);
      worker += lengths[i]!;
    } else own += lengths[i]!;
  }
  return total > 0 ? toWorker : new Set();
}
