import { describeBackends, selectBackend, type BackendAttempt, type BackendReport, type BackendSelection } from '@attrib/core';

export type { BackendAttempt, BackendReport, BackendSelection };

/**
 * Selects and activates the TensorFlow.js backend through core's picker: `prefer` (the
 * `--backend` flag or config `backend`) forces one, else ATTRIB_BACKEND, else the best that loads.
 */
export function chooseBackend(prefer: string | undefined): Promise<BackendSelection> {
  return selectBackend(prefer !== undefined ? { prefer } : {});
}

/** Every candidate backend, whether it loads and why not, without changing the active one. */
export function backendReport(): Promise<BackendReport> {
  return describeBackends();
}
