/**
 * Entry of a metric worker thread (see metric-workers.ts): selects the parent's backend, loads
 * the parent's plugins, opens the run and the generators being measured once, then computes the
 * metrics it is handed, one at a time, exactly as evaluateRun computes them in its own thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PostProcess } from '../../contracts/post-process.js';
import type { PluginHost } from '../../plugins/host.js';
import { oneLine } from '../../util/one-line.js';
import { loadSubjects, metricContext, type EvaluationSubjects } from './evaluation-subjects.js';
import type { FromMetricWorker, MetricWorkerData, ToMetricWorker } from './metric-workers.js';
import type { RunSession } from './session.js';
import { openWorkerSession } from './worker-session.js';

const data = workerData as MetricWorkerData;
const port = parentPort!;
const send = (message: FromMetricWorker): void => port.postMessage(message);

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
let queue: Promise<void> = Promise.resolve();

port.on('message', (message: ToMetricWorker) => {
  const { metric, samples } = message.task;
  queue = queue.then(async () => {
    try {
      opened ??= open();
      const { host, session, subjects, postProcess } = await opened;
      const ctx = metricContext(session, subjects, data.plan, postProcess, samples, (done, total) => send({ type: 'progress', metric, done, total }));
      send({ type: 'done', metric, result: await host.metric(metric).compute(ctx) });
    } catch (error) {
      send({ type: 'failed', metric, message: oneLine(error) });
    }
  });
});
