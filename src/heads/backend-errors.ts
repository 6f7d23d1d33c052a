import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Why a TF.js backend cannot run here: 'absent' when its optional package or any GPU device is missing (the usual
 * case, not worth a word), 'unusable' when it is there but cannot run, e.g. a GPU without a driver (worth a note).
 */
export class BackendUnavailable extends Error {
  constructor(
    message: string,
    readonly kind: 'absent' | 'unusable',
  ) {
    super(message);
    this.name = 'BackendUnavailable';
  }
}

/** The resolved file of an optional package, or BackendUnavailable('absent') when it is not installed. */
export function resolveOptional(name: string): string {
  try {
    return require.resolve(name);
  } catch {
    throw new BackendUnavailable(`the optional package ${name} is not installed`, 'absent');
  }
}
