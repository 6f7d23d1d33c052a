import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onnxRuntimeBinDir, resolveDevice } from '../../src/backbones/device.ts';
import { identityModelBytes } from '../../src/backbones/probe-model.ts';
import { TransferKitError } from '../../src/errors.ts';

const cudaProviderInstalled = existsSync(join(onnxRuntimeBinDir(), 'libonnxruntime_providers_cuda.so'));

describe('resolveDevice', () => {
  it('the probe model runs (so a failing accelerator probe means the provider, not the model)', async () => {
    const ort = (await import('onnxruntime-node')).default;
    const session = await ort.InferenceSession.create(identityModelBytes(), { executionProviders: ['cpu'] });
    const { y } = await session.run({ x: new ort.Tensor('float32', new Float32Array([3.5]), [1]) });
    expect(Array.from(y.data as Float32Array)).toEqual([3.5]);
    await session.release();
  });

  it('cpu is always cpu', async () => {
    expect(await resolveDevice('cpu')).toEqual({ device: 'cpu' });
  });

  it('auto picks a device that works and says why when it falls back to cpu', async () => {
    const { device, note } = await resolveDevice('auto');
    expect(['cpu', 'cuda', 'webgpu']).toContain(device);
    if (device === 'cpu') expect(note).toMatch(/^auto: using cpu \(cuda: .+; webgpu: .+\)$/);
  });

  it('resolves once per process', () => {
    expect(resolveDevice('auto')).toBe(resolveDevice('auto'));
  });

  it.skipIf(cudaProviderInstalled)('explicit cuda without the CUDA provider is a runtime error saying how to install it', async () => {
    const error = await resolveDevice('cuda').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferKitError);
    expect((error as TransferKitError).kind).toBe('runtime');
    expect((error as TransferKitError).message).toContain('libonnxruntime_providers_cuda.so');
    expect((error as TransferKitError).message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node');
  });

  it('explicit webgpu either works or names the missing Vulkan / adapter piece', async () => {
    const outcome = await resolveDevice('webgpu').catch((e: unknown) => e);
    if (outcome instanceof TransferKitError) {
      expect(outcome.kind).toBe('runtime');
      expect(outcome.message).toMatch(/Vulkan loader|WebGPU adapter/);
      expect(outcome.message).toContain('Vulkan driver');
    } else {
      expect(outcome).toEqual({ device: 'webgpu' });
    }
  });

  it('an unknown device is a usage error listing the valid choices', async () => {
    const error = (await resolveDevice('tpu').catch((e: unknown) => e)) as TransferKitError;
    expect(error.kind).toBe('usage');
    expect(error.line).toBe("--device: unknown device 'tpu'; valid choices: auto, cpu, cuda, webgpu");
  });
});
