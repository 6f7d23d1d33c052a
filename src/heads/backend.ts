import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { runtimeError, usageError } from '../errors.ts';
import { registerWasmGradients } from './wasm-gradients.ts';

export type Tf = typeof tf;

/** Backends in preference order. The two native ones are optional dependencies that may be absent. */
export const TF_BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type TfBackendName = (typeof TF_BACKENDS)[number];

export interface TfRuntime {
  tf: Tf;
  /** The backend in use, as named in TF_BACKENDS. */
  backend: TfBackendName;
  /** Why preferred backends were skipped, for --verbose logs. */
  skipped: { backend: TfBackendName; reason: string }[];
}

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
 * Picks and initialises the TF.js backend: tfjs-node-gpu, tfjs-node, wasm (SIMD), cpu, the first that
 * works, unless one is named (argument, else TRANSFERKIT_TF_BACKEND). A named backend that fails is an
 * error, not a silent fallback. Production mode: no debug checks, no banners.
 */
export async function initTf(preferred?: string): Promise<TfRuntime> {
  const choice = resolveBackendChoice(preferred);
  if (active && (choice === undefined || choice === active.backend)) return active;
  tf.enableProdMode();
  registerWasmGradients();
  const candidates = choice ? [choice] : [...TF_BACKENDS];
  const skipped: TfRuntime['skipped'] = [];
  for (const backend of candidates) {
    try {
      await activate(backend);
      active = { tf, backend, skipped };
      return active;
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      if (choice) throw runtimeError(`TF.js backend '${backend}' is not available: ${reason}`, { flag: '--tf-backend' }, error);
      skipped.push({ backend, reason });
    }
  }
  throw runtimeError(`no TF.js backend could be initialised (${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')})`);
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
      await import(backend === 'tfjs-node' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu' as string);
      await setBackend('tensorflow');
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
