import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initTf, pickTfBackend, resolveBackendChoice, skippedBackendsNote, TF_BACKENDS, type TfBackendName } from '../../src/heads/backend.ts';
import { BackendUnavailable } from '../../src/heads/backend-errors.ts';
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

  it('tries tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu in that order', async () => {
    const tried: TfBackendName[] = [];
    const picked = await pickTfBackend(undefined, async (backend) => {
      tried.push(backend);
      if (backend !== 'cpu') throw new BackendUnavailable(`${backend} absent`, 'absent');
    });
    expect(tried).toEqual(['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu']);
    expect(picked.backend).toBe('cpu');
    expect(skippedBackendsNote(picked)).toBeNull(); // packages that are simply not installed are not worth a note
  });

  // The probes are injected: no machine here has a GPU (Dawn refuses llvmpipe, and there is no libvulkan).
  const probes = (adapter: boolean) => async (backend: TfBackendName) => {
    if (backend === 'tfjs-node-gpu' || backend === 'tfjs-node') throw new BackendUnavailable(`the optional package @tensorflow/${backend} is not installed`, 'absent');
    if (backend === 'webgpu' && !adapter) throw new BackendUnavailable('no GPU adapter: Dawn found no Vulkan, Metal or D3D12 GPU', 'unusable');
  };

  it('picks webgpu after the native backends when a GPU adapter exists', async () => {
    const picked = await pickTfBackend(undefined, probes(true));
    expect(picked.backend).toBe('webgpu');
    expect(picked.skipped.map((s) => [s.backend, s.present])).toEqual([['tfjs-node-gpu', false], ['tfjs-node', false]]);
  });

  it('falls through to wasm with a one-line reason when webgpu has no adapter', async () => {
    const picked = await pickTfBackend(undefined, probes(false));
    expect(picked.backend).toBe('wasm');
    expect(skippedBackendsNote(picked)).toBe('TF.js webgpu skipped (no GPU adapter: Dawn found no Vulkan, Metal or D3D12 GPU); using wasm');
  });

  it('--tf-backend webgpu without an adapter is one usage line (exit 2), not a fallback', async () => {
    const error = await pickTfBackend('webgpu', probes(false)).catch((e: unknown) => e as TransferKitError);
    expect(error).toMatchObject({ exitCode: 2, line: "--tf-backend: TF.js backend 'webgpu' is not available: no GPU adapter: Dawn found no Vulkan, Metal or D3D12 GPU" });
  });

  it('falls through the native backends and webgpu (not usable here) to wasm, in production mode', async () => {
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
      expect(runtime.skipped.map((s) => s.backend)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'webgpu']);
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
