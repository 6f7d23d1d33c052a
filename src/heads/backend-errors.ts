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
