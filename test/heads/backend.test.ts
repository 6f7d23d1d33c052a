import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initTf, resolveBackendChoice, TF_BACKENDS } from '../../src/heads/backend.ts';
import { defaultTrainConfig, fit } from '../../src/train/index.ts';
import { blobs } from '../train/synthetic.ts';
import type { TransferKitError } from '../../src/errors.ts';

describe('TF.js backend picker', () => {
  it('rejects an unknown backend name, listing the choices', () => {
    // The printed line names the flag (or variable) once, as its prefix.
    const line = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as TransferKitError).line;
      }
      throw new Error('expected a usage error');
    };
    expect(line(() => resolveBackendChoice('gpu'))).toBe(`--tf-backend: must be one of ${TF_BACKENDS.join(', ')}; got 'gpu'`);
    expect(line(() => resolveBackendChoice(undefined, { TRANSFERKIT_TF_BACKEND: 'metal' }))).toMatch(/^TRANSFERKIT_TF_BACKEND: must be one of/);
    expect(resolveBackendChoice(undefined, { TRANSFERKIT_TF_BACKEND: 'cpu' })).toBe('cpu');
    expect(resolveBackendChoice('wasm', { TRANSFERKIT_TF_BACKEND: 'cpu' })).toBe('wasm');
  });

  it('falls through the native backends (not installed here) to wasm, in production mode', async () => {
    const previous = process.env.TRANSFERKIT_TF_BACKEND;
    delete process.env.TRANSFERKIT_TF_BACKEND;
    const listeners = () => [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
    const before = listeners();
    try {
      const runtime = await initTf();
      // Emscripten's rethrowing process handlers are removed: error handling stays the CLI's.
      expect(listeners()).toEqual(before);
      expect(runtime.backend).toBe('wasm');
      expect(tf.getBackend()).toBe('wasm');
      expect(runtime.skipped.map((s) => s.backend)).toEqual(['tfjs-node-gpu', 'tfjs-node']);
      expect(tf.env().getBool('PROD')).toBe(true);
    } finally {
      if (previous !== undefined) process.env.TRANSFERKIT_TF_BACKEND = previous;
    }
  });

  it('trains on wasm to the same accuracy as on cpu', async () => {
    const run = async (backend: string) => {
      const r = await fit({
        train: blobs(600, 12, 3, 11),
        validation: { val: blobs(300, 12, 3, 12) },
        labelNames: ['a', 'b', 'c'],
        head: { type: 'mlp', hidden: [16], activation: 'gelu', dropout: 0.1 },
        config: { ...defaultTrainConfig(), epochs: 3, saveBest: false, saveLast: false, learningRate: 0.01 },
        tfBackend: backend,
      });
      r.head.dispose();
      return r;
    };
    const wasm = await run('wasm');
    expect(wasm.tfBackend).toBe('wasm');
    const cpu = await run('cpu');
    expect(cpu.tfBackend).toBe('cpu');
    expect(wasm.eval.val.accuracy).toBeGreaterThanOrEqual(0.98);
    expect(wasm.eval.val.accuracy).toBeCloseTo(cpu.eval.val.accuracy, 2);
    expect(wasm.eval.val.loss).toBeCloseTo(cpu.eval.val.loss, 3);
  });
});
