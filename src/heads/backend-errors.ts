/**
 * Why a TF.js backend cannot run here: 'missing' when its optional package is not installed (the usual
 * case, not worth a word), 'unusable' when it is installed but has no device or driver (worth a note).
 */
export class BackendUnavailable extends Error {
  constructor(
    message: string,
    readonly kind: 'missing' | 'unusable',
  ) {
    super(message);
    this.name = 'BackendUnavailable';
  }
}
