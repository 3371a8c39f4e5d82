import type { Metric, MetricOutline, MetricResult } from '../../../contracts/metric.js';
import type { PluginModule } from '../../../plugins/host.js';
import { oneLine } from '../../../util/one-line.js';
import type { EvaluationPlan } from '../evaluation-subjects.js';
import type { PostProcessRequest } from '../train-robust.js';
import { runInWorkers } from './thread-pool.js';
import { workerStart, type WorkerStart } from './thread-session.js';

/** What every metric worker thread starts with. */
export interface MetricWorkerData extends WorkerStart {
  readonly plan: EvaluationPlan;
  readonly postProcess?: PostProcessRequest | undefined;
}

/** A metric to compute, with the outline its parts are planned from (its sample count included). */
export interface MetricRequest {
  readonly metric: Metric;
  readonly outline: MetricOutline;
}

/** One metric to compute, with its sample count override; with `part`, only that part of it. */
export interface MetricTask {
  readonly metric: string;
  readonly samples?: number | undefined;
  readonly part?: { readonly index: number; readonly count: number } | undefined;
}

/** A metric worker's note while it computes: the metric's (or its part's) finished work units. */
export interface MetricNote {
  readonly done: number;
  readonly total: number;
}

export function metricWorkerData(dir: string, plugins: readonly PluginModule[], plan: EvaluationPlan, postProcess: PostProcessRequest | undefined): MetricWorkerData {
  return { ...workerStart(dir, plugins), plan, ...(postProcess ? { postProcess } : {}) };
}

/** How many tasks a request makes: its metric's part count when it has parts, else 1. */
function partCount({ metric, outline }: MetricRequest): number {
  if (!metric.parts) return 1;
  const count = metric.parts.count(outline);
  if (!Number.isInteger(count) || count < 1) throw new Error(`metric ${metric.name}: ${count} parts; expected a positive whole number`);
  return count;
}

/**
 * The tasks of `requests`: the parts of the metrics that split first (they are the big ones, so
 * threads share them rather than one thread finishing them last), then the whole metrics, each
 * group in the order asked for.
 */
export function metricTasks(requests: readonly MetricRequest[]): MetricTask[] {
  const split: MetricTask[] = [];
  const whole: MetricTask[] = [];
  for (const request of requests) {
    const task = { metric: request.metric.name, samples: request.outline.samples };
    const count = partCount(request);
    if (count === 1) whole.push(task);
    else for (let index = 0; index < count; index++) split.push({ ...task, part: { index, count } });
  }
  return [...split, ...whole];
}

/**
 * Computes `requests` in `count` worker threads (metric-thread.ts), each with its own backend and
 * its own copy of the run's generators; a thread takes the next task (a whole metric or a part of
 * one, see {@link metricTasks}) when it finishes one. The parts' partials are combined here, in
 * index order, and a metric's progress is the sum over its parts. Returns the results by metric
 * name. The first failure stops every thread and rejects with a one-line error naming the metric.
 */
export async function computeMetricsInWorkers(
  data: MetricWorkerData, requests: readonly MetricRequest[], count: number,
  onProgress?: (metric: string, done: number, total: number) => void,
): Promise<Record<string, MetricResult>> {
  const results: Record<string, MetricResult> = {};
  const partials = new Map<string, unknown[]>();
  const partsDone = new Map<string, number[]>();
  const noteProgress = (note: MetricNote, { metric, part }: MetricTask): void => {
    if (!part) return onProgress?.(metric, note.done, note.total);
    const done = partsDone.get(metric) ?? new Array<number>(part.count).fill(0);
    partsDone.set(metric, done);
    done[part.index] = note.done;
    onProgress?.(metric, done.reduce((a, b) => a + b), note.total);
  };
  await runInWorkers<MetricTask, MetricNote, unknown>('metric-thread', data, metricTasks(requests), count, (task) => `metric ${task.metric}`, {
    onNote: noteProgress,
    onDone: async (result, { metric, part }) => {
      if (!part) results[metric] = result as MetricResult;
      else {
        const received = partials.get(metric) ?? [];
        partials.set(metric, received);
        received[part.index] = result;
      }
    },
  });
  for (const { metric, outline } of requests) {
    const computed = partials.get(metric.name);
    if (!computed) continue;
    try {
      results[metric.name] = metric.parts!.combine(outline, computed);
    } catch (error) {
      throw new Error(`metric ${metric.name} failed: ${oneLine(error)}`);
    }
  }
  return results;
}
