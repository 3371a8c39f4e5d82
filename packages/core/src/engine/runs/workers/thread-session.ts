import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../backend/select.js';
import { createPluginHost, type PluginHost, type PluginModule } from '../../../plugins/host.js';
import { registerPluginModules } from '../../../plugins/load.js';
import { openRunSession, type RunSession } from '../session.js';

/** What every worker thread of a run starts with. */
export interface WorkerStart {
  /** The run folder (absolute). */
  readonly dir: string;
  /** The parent's TensorFlow.js backend, selected again by name in the worker. */
  readonly backend: string;
  /** The parent's tfjs `PROD` flag (true: no console banners). */
  readonly prod: boolean;
  /** The parent's plugins, registered again in the worker. */
  readonly plugins: readonly PluginModule[];
}

/** The parent's side of {@link WorkerStart}: this thread's backend and flag. */
export function workerStart(dir: string, plugins: readonly PluginModule[]): WorkerStart {
  return { dir, backend: tf.getBackend(), prod: tf.env().getBool('PROD'), plugins };
}

/** In a worker thread: the parent's backend selected and its plugins registered. */
export async function openWorkerHost(start: Omit<WorkerStart, 'dir'>): Promise<PluginHost> {
  tf.env().set('PROD', start.prod);
  await selectBackend({ prefer: start.backend });
  const host = createPluginHost();
  await registerPluginModules(host, start.plugins);
  return host;
}

/** In a worker thread: the parent's backend and plugins, and the run opened with them. */
export async function openWorkerSession(start: WorkerStart): Promise<{ host: PluginHost; session: RunSession }> {
  const host = await openWorkerHost(start);
  return { host, session: await openRunSession(host, start.dir) };
}
