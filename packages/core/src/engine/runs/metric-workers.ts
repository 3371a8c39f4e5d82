import type { MetricResult } from '../../contracts/metric.js';
import type { PluginModule } from '../../plugins/host.js';
import type { EvaluationPlan } from './evaluation-subjects.js';
import type { PostProcessRequest } from './train-robust.js';
import { runInWorkers } from './worker-pool.js';
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

/** A metric worker's note while it computes: the metric's finished work units. */
export interface MetricNote {
  readonly done: number;
  readonly total: number;
}

export function metricWorkerData(dir: string, plugins: readonly PluginModule[], plan: EvaluationPlan, postProcess: PostProcessRequest | undefined): MetricWorkerData {
  return { ...workerStart(dir, plugins), plan, ...(postProcess ? { postProcess } : {}) };
}

/**
 * Computes `tasks` in `count` worker threads (metric-worker.ts), each with its own backend and its
 * own copy of the run's generators; a thread takes the next metric when it finishes one. Returns
 * the results by metric name. The first failure stops every thread and rejects with a one-line
 * error naming the metric.
 */
export async function computeMetricsInWorkers(
  data: MetricWorkerData, tasks: readonly MetricTask[], count: number,
  onProgress?: (metric: string, done: number, total: number) => void,
): Promise<Record<string, MetricResult>> {
  const results: Record<string, MetricResult> = {};
  await runInWorkers<MetricTask, MetricNote, MetricResult>('metric-worker', data, tasks, count, (task) => `metric ${task.metric}`, {
    onNote: (note, task) => onProgress?.(task.metric, note.done, note.total),
    onDone: async (result, task) => void (results[task.metric] = result),
  });
  return results;
}
