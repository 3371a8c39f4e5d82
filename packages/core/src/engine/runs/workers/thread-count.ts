import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { PluginModule } from '../../../plugins/host.js';

/** Backends that compute on the calling thread alone, so that more threads use more cores. */
const ONE_THREAD_BACKENDS: readonly string[] = ['wasm', 'cpu'];

/**
 * The worker threads a training stage asks for (before capping at its units): `requested`,
 * checked; else ATTRIB_WORKERS if set; else one per core on the one-thread backends (wasm, cpu)
 * and 1 on the others; always 1 by default when `plugins` (the services' plugin modules) is
 * undefined, as a worker could not rebuild them. Bad values are one-line errors.
 */
export function workerCount(requested: number | undefined, plugins: readonly PluginModule[] | undefined): number {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) throw new Error(`workers ${requested}: expected a positive whole number of worker threads`);
    if (requested > 1 && plugins === undefined) {
      throw new Error(`workers ${requested}: the run's plugins were not registered from modules a worker thread could load; use workers 1`);
    }
    return requested;
  }
  return plugins ? defaultWorkers() : 1;
}

/** ATTRIB_WORKERS if set, else one thread per core on the one-thread backends. */
function defaultWorkers(): number {
  const fromEnv = process.env['ATTRIB_WORKERS']?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    const workers = Number(fromEnv);
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`ATTRIB_WORKERS=${fromEnv}: expected a positive whole number of worker threads`);
    return workers;
  }
  return ONE_THREAD_BACKENDS.includes(tf.getBackend()) ? availableParallelism() : 1;
}
