/**
 * Entry of a metric worker thread (see metric-threads.ts): selects the parent's backend, loads
 * the parent's plugins, opens the run and the generators being measured once, then computes the
 * metrics (or parts of metrics) it is handed, one at a time, exactly as evaluateRun computes them
 * in its own thread.
 */
import { workerData } from 'node:worker_threads';
import type { PostProcess } from '../../../contracts/post-process.js';
import type { PluginHost } from '../../../plugins/host.js';
import { loadSubjects, type EvaluationSubjects } from '../evaluation-subjects.js';
import { computeMetricTask, type MetricNote, type MetricTask, type MetricWorkerData } from './metric-threads.js';
import { serveTasks } from './thread-pool.js';
import type { RunSession } from '../session.js';
import { openWorkerSession } from './thread-session.js';

const data = workerData as MetricWorkerData;

interface Opened {
  readonly host: PluginHost;
  readonly session: RunSession;
  readonly subjects: EvaluationSubjects;
  readonly postProcess: PostProcess | undefined;
}

async function open(): Promise<Opened> {
  const { host, session } = await openWorkerSession(data);
  const subjects = await loadSubjects(session, data.plan);
  const postProcess = data.postProcess ? host.postProcess(data.postProcess.name).create(data.postProcess.params ?? {}) : undefined;
  return { host, session, subjects, postProcess };
}

let opened: Promise<Opened> | undefined;

/** A whole metric's result, or a part's partial for the parent to combine. */
serveTasks<MetricTask, MetricNote, unknown>(async (task, note) => {
  opened ??= open();
  const { host, session, subjects, postProcess } = await opened;
  return computeMetricTask(host, session, subjects, data.plan, postProcess, task, note);
});
