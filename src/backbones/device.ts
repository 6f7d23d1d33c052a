import { existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TransferKitError } from '../errors.ts';
import { identityModelBytes } from './probe-model.ts';
import type { DeviceChoice } from '../core/index.ts';

export const DEVICE_CHOICES: readonly DeviceChoice[] = ['auto', 'cpu', 'cuda', 'webgpu'];
export type ResolvedDevice = 'cpu' | 'cuda' | 'webgpu';

export interface DeviceResolution {
  device: ResolvedDevice;
  /** Why `auto` fell back to cpu, or which accelerator it picked. */
  note?: string;
}

const CUDA_HOW =
  'reinstall ONNX Runtime with its CUDA 12 provider: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` ' +
  '(needs an NVIDIA driver, CUDA 12 and cuDNN 9 libraries on the library path)';
const WEBGPU_HOW =
  'ONNX Runtime runs WebGPU through Dawn, which on Linux needs a Vulkan loader (libvulkan.so.1) and a GPU Vulkan driver ' +
  '(e.g. `apt install libvulkan1 mesa-vulkan-drivers`, or the NVIDIA driver with its Vulkan ICD)';

const resolved = new Map<string, Promise<DeviceResolution>>();

/**
 * Turns the user's choice into a device that will work, once per process. Transformers.js fails hard
 * (sometimes with only a native log line) when the CUDA provider or a WebGPU adapter is missing, `auto`
 * included, so we probe first: `auto` prefers cuda, then webgpu, and falls back to cpu saying why; an
 * explicit accelerator that cannot work is an error naming what is missing and how to enable it.
 */
export function resolveDevice(choice: DeviceChoice | string = 'auto'): Promise<DeviceResolution> {
  if (!(DEVICE_CHOICES as readonly string[]).includes(choice)) {
    return Promise.reject(
      new TransferKitError('usage', `unknown device '${choice}'; valid choices: ${DEVICE_CHOICES.join(', ')}`, { flag: '--device' }),
    );
  }
  let pending = resolved.get(choice);
  if (!pending) {
    pending = resolveOnce(choice as DeviceChoice);
    resolved.set(choice, pending);
  }
  return pending;
}

async function resolveOnce(choice: DeviceChoice): Promise<DeviceResolution> {
  if (choice === 'cpu') return { device: 'cpu' };
  if (choice === 'cuda' || choice === 'webgpu') {
    const problem = await (choice === 'cuda' ? cudaProblem() : webgpuProblem());
    if (problem) throw new TransferKitError('runtime', `${choice} cannot run here: ${problem}`, { flag: '--device' });
    return { device: choice };
  }
  const cuda = await cudaProblem();
  if (!cuda) return { device: 'cuda', note: 'auto: using CUDA' };
  const webgpu = await webgpuProblem();
  if (!webgpu) return { device: 'webgpu', note: 'auto: using WebGPU' };
  return { device: 'cpu', note: `auto: using cpu (cuda: ${firstClause(cuda)}; webgpu: ${firstClause(webgpu)})` };
}

/** Where onnxruntime-node keeps its native libraries for this platform. */
export function onnxRuntimeBinDir(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('onnxruntime-node/package.json'));
  return join(root, 'bin', 'napi-v6', process.platform, process.arch);
}

async function cudaProblem(): Promise<string | null> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `ONNX Runtime for Node ships a CUDA provider only for Linux x64 (this is ${process.platform}/${process.arch})`;
  }
  const binDir = onnxRuntimeBinDir();
  const provider = join(binDir, 'libonnxruntime_providers_cuda.so');
  if (!existsSync(provider)) return `ONNX Runtime's CUDA provider is not installed (no ${provider}); ${CUDA_HOW}`;
  const failure = await sessionFailure('cuda');
  return failure ? `ONNX Runtime could not start its CUDA provider (${failure}); ${CUDA_HOW}` : null;
}

async function webgpuProblem(): Promise<string | null> {
  if (process.platform === 'linux' && process.arch !== 'x64') {
    return `ONNX Runtime for Node has no WebGPU provider on Linux ${process.arch}`;
  }
  if (process.platform === 'linux' && !vulkanLoaderPresent()) return `no Vulkan loader (libvulkan.so.1) was found; ${WEBGPU_HOW}`;
  const failure = await sessionFailure('webgpu');
  return failure ? `ONNX Runtime found no usable WebGPU adapter (${failure}); ${WEBGPU_HOW}` : null;
}

/** Creates a one-node session on the provider; returns the first line of the failure, or null. */
async function sessionFailure(provider: 'cuda' | 'webgpu'): Promise<string | null> {
  const ort = (await import('onnxruntime-node')).default;
  try {
    const session = await ort.InferenceSession.create(identityModelBytes(), { executionProviders: [provider] });
    await session.release();
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = message.split('\n')[0];
    // ORT prefixes its messages with a native source location; keep the part a user can act on.
    return line.replace(/^.*?(Failed to get a WebGPU adapter|Failed to load shared library)/, '$1').slice(0, 300);
  }
}

function vulkanLoaderPresent(): boolean {
  try {
    if (/libvulkan\.so\.1\b/.test(execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))) return true;
  } catch {
    // ldconfig may be absent (minimal images); fall back to the usual library folders.
  }
  const folders = ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib', ...(process.env.LD_LIBRARY_PATH ?? '').split(':')];
  return folders.some((folder) => {
    try {
      return folder !== '' && readdirSync(folder).includes('libvulkan.so.1');
    } catch {
      return false;
    }
  });
}

function firstClause(problem: string): string {
  return problem.split(';')[0];
}
