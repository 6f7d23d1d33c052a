/**
 * TF.js's WebGPU backend in Node: `@tensorflow/tfjs-backend-webgpu` (an optional dependency) over Dawn
 * (the `webgpu` package, an optional peer dependency the user installs). Node has no `navigator.gpu`;
 * Dawn's `create()` provides one, and the backend registers itself on import only when it finds it, so
 * the order below matters.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { BackendUnavailable, resolveOptional } from './backend-errors.ts';

/** How long the adapter probe may take (loading Dawn and asking every driver for an adapter). */
const PROBE_TIMEOUT_MS = 20_000;

/** A GPU adapter as the probe saw it. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
}

// Run in a child process: Dawn writes its driver warnings (e.g. "Couldn't load Vulkan") straight to the
// process's stderr, which would reach the user on every run of a machine without a GPU.
const PROBE_SCRIPT = `
const { create } = await import(process.argv[1]);
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const info = adapter ? (adapter.info ?? {}) : null;
const fallback = adapter ? Boolean(adapter.isFallbackAdapter ?? info.isFallbackAdapter) : false;
process.stdout.write(JSON.stringify(adapter ? { vendor: info.vendor ?? '', architecture: info.architecture ?? '', description: info.description ?? '', fallback } : null));
process.exit(0);
`;


/**
 * The GPU adapter Dawn would give TF.js, asked in a child process. Fails (BackendUnavailable) with a
 * one-line reason when the packages are missing, Dawn finds no adapter, or only a software one.
 */
export async function probeWebgpuAdapter(): Promise<AdapterInfo> {
  resolveOptional('@tensorflow/tfjs-backend-webgpu');
  const dawn = resolveOptional('webgpu');
  // Spawning Node and loading Dawn costs a few hundred ms on every run; a Linux machine with no GPU device
  // node cannot have a hardware adapter (Dawn refuses llvmpipe), so it is told without the probe.
  if (process.platform === 'linux' && !linuxGpuDeviceExists()) throw new BackendUnavailable('no GPU adapter: no GPU device in /dev (dri, nvidia*, dxg)', 'absent');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', PROBE_SCRIPT, dawn], { timeout: PROBE_TIMEOUT_MS }, (error, out, err) => {
      if (error) reject(new BackendUnavailable(`Dawn (the webgpu package) failed: ${firstLine(err) || error.message}`, 'unusable'));
      else resolve(out);
    });
  });
  const adapter = JSON.parse(stdout || 'null') as (AdapterInfo & { fallback: boolean }) | null;
  if (!adapter) throw new BackendUnavailable('no GPU adapter: Dawn found no Vulkan, Metal or D3D12 GPU', 'unusable');
  if (adapter.fallback) throw new BackendUnavailable(`only a software adapter (${adapter.description || adapter.vendor}), slower than wasm`, 'unusable');
  return adapter;
}

/** Installs Dawn's navigator.gpu and imports the TF.js backend, which then registers 'webgpu'. */
export async function registerWebgpuBackend(): Promise<void> {
  // `webgpu` is an optional peer dependency (a 51 MB prebuilt Dawn the user installs): import it by a
  // variable name so the typecheck does not need it installed.
  const dawnPackage = 'webgpu';
  const dawn = (await import(dawnPackage)) as { create: (options: string[]) => unknown; globals: object };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const scope = globalThis as { navigator?: { gpu?: unknown } };
  if (!scope.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  else if (!scope.navigator.gpu) Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
}

/** A GPU device node: /dev/dri (Mesa drivers), /dev/nvidia* (NVIDIA), /dev/dxg (WSL2). */
function linuxGpuDeviceExists(): boolean {
  if (existsSync('/dev/dri') || existsSync('/dev/dxg')) return true;
  try {
    return readdirSync('/dev').some((name) => name.startsWith('nvidia'));
  } catch {
    return true; // cannot tell: ask Dawn
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
