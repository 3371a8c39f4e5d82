import type { Metric, MetricOutline, MetricResult } from '../../../contracts/metric.js';
import type { PluginModule } from '../../../plugins/host.js';
import { oneLine } from '../../../util/one-line.js';
import type { PostProcess } from '../../../contracts/post-process.js';
import { metricContext, type EvaluationPlan, type EvaluationSubjects } from '../evaluation-subjects.js';
import type { RunServices } from '../services.js';
import type { RunSession } from '../session.js';
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

/** Runs metric tasks somewhere (threads, a job queue), reporting each task's notes and result. */
export type MetricTaskRunner = (
  tasks: readonly MetricTask[],
  handlers: { onNote(note: MetricNote, task: MetricTask): void; onDone(result: unknown, task: MetricTask): Promise<void> },
) => Promise<void>;

/**
 * Computes `requests` as the tasks of {@link metricTasks}, run by `run`; the parts' partials are
 * combined here, in index order, and a metric's progress is the sum over its parts. Returns the
 * results by metric name.
 */
export async function computeMetricTasks(
  requests: readonly MetricRequest[], run: MetricTaskRunner, onProgress?: (metric: string, done: number, total: number) => void,
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
  await run(metricTasks(requests), {
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

/**
 * Computes `requests` in `count` worker threads (metric-thread.ts), each with its own backend and
 * its own copy of the run's generators; a thread takes the next task (a whole metric or a part of
 * one, see {@link metricTasks}) when it finishes one. The first failure stops every thread and
 * rejects with a one-line error naming the metric.
 */
export function computeMetricsInWorkers(
  data: MetricWorkerData, requests: readonly MetricRequest[], count: number,
  onProgress?: (metric: string, done: number, total: number) => void,
): Promise<Record<string, MetricResult>> {
  return computeMetricTasks(requests, (tasks, handlers) => runInWorkers<MetricTask, MetricNote, unknown>(
    'metric-thread', data, tasks, count, (task) => `metric ${task.metric}`, handlers,
  ), onProgress);
}

/** Computes one task (a whole metric, or a part's partial) with the run's opened `subjects`: what a metric thread does. */
export function computeMetricTask(
  host: RunServices, session: RunSession, subjects: EvaluationSubjects, plan: EvaluationPlan, postProcess: PostProcess | undefined,
  { metric, samples, part }: MetricTask, note: (note: MetricNote) => void,
): Promise<unknown> {
  const ctx = metricContext(session, subjects, plan, postProcess, samples, (done, total) => note({ done, total }));
  const computed = host.metric(metric);
  if (!part) return computed.compute(ctx);
  if (!computed.parts) return Promise.reject(new Error('it cannot be computed in parts'));
  return computed.parts.compute(ctx, part.index, part.count);
}
