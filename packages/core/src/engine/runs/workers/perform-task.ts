import type { PluginHost, PluginModule } from '../../../plugins/host.js';
import { trainRegistryGenerator } from '../../../registry/add-user.js';
import { measureCollusion } from '../../../study/collusion-rows.js';
import { runCell } from '../../../study/run-study.js';
import { loadSubjects } from '../evaluation-subjects.js';
import type { RunHooks } from '../services.js';
import { openRunSession } from '../session.js';
import { computeMetricTask } from './metric-threads.js';
import type { RemoteNote, RemoteStart, RemoteTask } from './remote-task.js';
import { openWorkerHost } from './thread-session.js';

/** A remote task as a unit thread of a queue worker receives it: the command's backend, the worker's plugins. */
export interface RemoteThreadTask {
  readonly start: RemoteStart & { readonly plugins: readonly PluginModule[] };
  readonly remote: RemoteTask;
}

let cached: { readonly id: string; readonly host: Promise<PluginHost> } | undefined;

/** This thread's plugin host on `start`'s backend, made once per backend and plugin set. */
function hostOf(start: RemoteThreadTask['start']): Promise<PluginHost> {
  const id = JSON.stringify([start.backend, start.prod, start.plugins.map((p) => p.entry)]);
  if (cached?.id !== id) cached = { id, host: openWorkerHost(start) };
  const { host } = cached;
  return host.catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
}

/**
 * Runs a remote task in this thread (a unit thread of a queue worker) with the code the command
 * runs it with itself: a metric or a part of one as a metric thread computes it, a study cell as
 * `runStudy` runs it (its training and evaluation in this thread), a study's collusion measurement
 * as `runStudy` measures it (one pool and k, a row of collusion.csv), a registry user's generator
 * with {@link trainRegistryGenerator}. Returns the task's result; `note` gets its progress.
 */
export async function performTask({ start, remote }: RemoteThreadTask, note: (note: RemoteNote) => void): Promise<unknown> {
  const host = await hostOf(start);
  const hooks: RunHooks = {
    onEvent: (event) => note({ type: 'event', event }),
    onMetricProgress: (metric, done, total) => note({ type: 'metric', metric, done, total }),
    log: (line) => note({ type: 'log', line }),
  };
  switch (remote.kind) {
    case 'metric': {
      const session = await openRunSession(host, remote.dir);
      try {
        const subjects = await loadSubjects(session, remote.plan);
        try {
          const postProcess = remote.postProcess ? host.postProcess(remote.postProcess.name).create(remote.postProcess.params ?? {}) : undefined;
          return await computeMetricTask(host, session, subjects, remote.plan, postProcess, remote.task, (n) => note({ type: 'metric', metric: remote.task.metric, ...n }));
        } finally {
          subjects.dispose();
        }
      } finally {
        session.dispose();
      }
    }
    case 'study-cell':
      return runCell(host, remote.dir, remote.cell, remote.source, remote.config, remote.info, hooks, remote.plainQuality, { workers: 1 });
    case 'study-collusion': {
      const [row] = await measureCollusion(host, remote.dir, remote.base, remote.config, [{ pool: remote.pool, k: remote.k }], hooks);
      return row;
    }
    case 'registry-generator':
      return trainRegistryGenerator(host, remote.dir, remote.user, remote.key, hooks);
  }
}
