import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { runtimeError, usageError } from '../errors.ts';
import { registerWasmGradients } from './wasm-gradients.ts';
import { BackendUnavailable, resolveOptional } from './backend-errors.ts';
import { probeWebgpuAdapter, registerWebgpuBackend } from './webgpu.ts';

export type Tf = typeof tf;

/**
 * Backends in preference order. The native ones and webgpu are optional dependencies that may be
 * absent; webgpu also needs a GPU adapter (Dawn), so it sits after the native ones and before wasm.
 */
export const TF_BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'] as const;
export type TfBackendName = (typeof TF_BACKENDS)[number];

export interface TfRuntime {
  tf: Tf;
  /** The backend in use, as named in TF_BACKENDS. */
  backend: TfBackendName;
  /** Why preferred backends were skipped; `present`: it is there (package, GPU) but cannot run (worth a note). */
  skipped: SkippedBackend[];
}

export interface SkippedBackend {
  backend: TfBackendName;
  reason: string;
  present: boolean;
}

/** Makes `backend` the active one or throws why it cannot (tests inject their own). */
export type ActivateBackend = (backend: TfBackendName) => Promise<void>;

const require = createRequire(import.meta.url);
let active: TfRuntime | null = null;

/** `--tf-backend` wins over `TRANSFERKIT_TF_BACKEND`; both must name one of TF_BACKENDS. */
export function resolveBackendChoice(flag?: string, env: NodeJS.ProcessEnv = process.env): TfBackendName | undefined {
  const [value, source] = flag ? [flag, '--tf-backend'] : [env.TRANSFERKIT_TF_BACKEND, 'TRANSFERKIT_TF_BACKEND'];
  if (value === undefined || value === '') return undefined;
  if (!(TF_BACKENDS as readonly string[]).includes(value)) {
    throw usageError(`must be one of ${TF_BACKENDS.join(', ')}; got '${value}'`, source);
  }
  return value as TfBackendName;
}

/**
 * Picks and initialises the TF.js backend: tfjs-node-gpu, tfjs-node, webgpu (with a GPU adapter), wasm
 * (SIMD), cpu, the first that works, unless one is named (argument, else TRANSFERKIT_TF_BACKEND). A
 * named backend that cannot run is a usage error (exit 2), not a silent fallback. Production mode: no
 * debug checks, no banners.
 */
export async function initTf(preferred?: string): Promise<TfRuntime> {
  const choice = resolveBackendChoice(preferred);
  if (active && (choice === undefined || choice === active.backend)) return active;
  tf.enableProdMode();
  registerWasmGradients();
  const picked = await pickTfBackend(choice, activate);
  active = { tf, ...picked };
  return active;
}

/** The picker's order and fallback, apart from TF.js: the first of TF_BACKENDS (or `choice`) that `activateOne` accepts. */
export async function pickTfBackend(choice: TfBackendName | undefined, activateOne: ActivateBackend): Promise<Omit<TfRuntime, 'tf'>> {
  const skipped: SkippedBackend[] = [];
  for (const backend of choice ? [choice] : TF_BACKENDS) {
    try {
      await activateOne(backend);
      return { backend, skipped };
    } catch (error) {
      const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      if (choice) throw usageError(`TF.js backend '${backend}' is not available: ${reason}`, '--tf-backend');
      skipped.push({ backend, reason, present: !(error instanceof BackendUnavailable && error.kind === 'absent') });
    }
  }
  throw runtimeError(`no TF.js backend could be initialised (${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')})`);
}

/** One line for the backends that are there but could not run (e.g. a GPU without a WebGPU adapter); null when none. */
export function skippedBackendsNote(runtime: Pick<TfRuntime, 'backend' | 'skipped'>): string | null {
  const worth = runtime.skipped.filter((s) => s.present);
  if (worth.length === 0) return null;
  return `TF.js ${worth.map((s) => `${s.backend} skipped (${s.reason})`).join('; ')}; using ${runtime.backend}`;
}

/** The backend initTf chose, or null before the first call. */
export function activeTfBackend(): TfBackendName | null {
  return active?.backend ?? null;
}

async function activate(backend: TfBackendName): Promise<void> {
  switch (backend) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      // Registers the 'tensorflow' backend on the shared engine; absent here unless installed.
      const name = backend === 'tfjs-node' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
      resolveOptional(name);
      await import(name as string);
      await setBackend('tensorflow');
      return;
    }
    case 'webgpu': {
      // Asked first in a child process: loading Dawn here on a machine without a GPU prints its driver warnings.
      await probeWebgpuAdapter();
      await registerWebgpuBackend();
      await setBackend('webgpu');
      return;
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      const files = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
      for (const file of files) {
        if (!existsSync(join(dist, file))) throw new Error(`${join(dist, file)} is missing`);
      }
      // A path prefix (not a URL): in Node, Emscripten reads the binary with fs. SIMD is picked when
      // the runtime supports it; threads are not available in Node, so it runs single-threaded.
      wasm.setWasmPaths(`${dist}/`);
      // Emscripten installs process-wide handlers that rethrow any uncaught error or unhandled
      // rejection (crashing with a stack trace); the CLI owns error handling, so remove them.
      const before = [...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')];
      try {
        await setBackend('wasm');
      } finally {
        for (const listener of process.listeners('uncaughtException')) {
          if (!before.includes(listener)) process.removeListener('uncaughtException', listener);
        }
        for (const listener of process.listeners('unhandledRejection')) {
          if (!(before as unknown[]).includes(listener)) process.removeListener('unhandledRejection', listener);
        }
      }
      return;
    }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      await setBackend('cpu');
      return;
  }
}

async function setBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`backend '${name}' failed to initialise`);
  await tf.ready();
}
