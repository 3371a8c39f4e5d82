import type { MetricResult } from '../../contracts/metric.js';
import type { PluginModule } from '../../plugins/host.js';
import { oneLine } from '../../util/one-line.js';
import type { EvaluationPlan } from './evaluation-subjects.js';
import type { PostProcessRequest } from './train-robust.js';
import { startWorker } from './unit-workers.js';
import { workerStart, type WorkerStart } from './worker-session.js';

/** What every metric worker thread starts with. */
export interface MetricWorkerData extends WorkerStart {
  readonly plan: EvaluationPlan;
  readonly postProcess?: PostProcessRequest | undefined;
}

/** One metric to compute, with its sample count override. */
export interface MetricTask {
  readonly metric: string;
  readonly samples?: number | undefined;
}

export type ToMetricWorker = { readonly type: 'compute'; readonly task: MetricTask };
export type FromMetricWorker =
  | { readonly type: 'progress'; readonly metric: string; readonly done: number; readonly total: number }
  | { readonly type: 'done'; readonly metric: string; readonly result: MetricResult }
  | { readonly type: 'failed'; readonly metric: string; readonly message: string };

export function metricWorkerData(dir: string, plugins: readonly PluginModule[], plan: EvaluationPlan, postProcess: PostProcessRequest | undefined): MetricWorkerData {
  return { ...workerStart(dir, plugins), plan, ...(postProcess ? { postProcess } : {}) };
}

/**
 * Computes `tasks` in `count` worker threads, each with its own backend and its own copy of the
 * run's generators; a thread takes the next metric when it finishes one. Returns the results by
 * metric name. The first failure stops every thread and rejects with a one-line error naming
 * the metric.
 */
export async function computeMetricsInWorkers(
  data: MetricWorkerData, tasks: readonly MetricTask[], count: number,
  onProgress?: (metric: string, done: number, total: number) => void,
): Promise<Record<string, MetricResult>> {
  const waiting = [...tasks];
  const results: Record<string, MetricResult> = {};
  let failure: Error | undefined;
  const threads = Array.from({ length: Math.min(count, tasks.length) }, () => startWorker('metric-worker', data));
  const stopAll = (error: Error): void => {
    failure ??= error;
    for (const thread of threads) void thread.terminate();
  };
  await Promise.all(threads.map((thread) => new Promise<void>((resolveThread) => {
    let current: MetricTask | undefined;
    const next = (): void => {
      current = failure ? undefined : waiting.shift();
      if (current === undefined) void thread.terminate().then(() => resolveThread());
      else thread.postMessage({ type: 'compute', task: current } satisfies ToMetricWorker);
    };
    thread.on('message', (message: FromMetricWorker) => {
      if (message.type === 'progress') onProgress?.(message.metric, message.done, message.total);
      else if (message.type === 'done') {
        results[message.metric] = message.result;
        next();
      } else stopAll(new Error(`metric ${message.metric} failed: ${message.message}`));
    });
    thread.on('error', (error) => stopAll(new Error(`metric ${current?.metric ?? '(none)'} failed: ${oneLine(error)}`)));
    thread.on('exit', (code) => {
      if (current !== undefined && results[current.metric] === undefined && !failure) {
        stopAll(new Error(`metric ${current.metric} failed: its worker thread stopped (exit code ${code})`));
      }
      resolveThread();
    });
    next();
  })));
  if (failure) throw failure;
  return results;
}
