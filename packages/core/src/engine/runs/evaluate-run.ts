import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { MetricResult } from '../../contracts/metric.js';
import type { PostProcess } from '../../contracts/post-process.js';
import type { EvaluationRecord } from '../../io/run-folder.js';
import { loadSubjects, metricContext, metricOutline, type EvaluationPlan } from './evaluation-subjects.js';
import { computeMetricTasks, computeMetricsInWorkers, metricWorkerData, metricTasks, type MetricRequest } from './workers/metric-threads.js';
import type { PostProcessRequest } from './train-robust.js';
import type { RunHooks, RunServices } from './services.js';
import { openRunSession } from './session.js';
import { workerCount } from './workers/thread-count.js';
import type { RemoteTask, TaskDispatcher } from './workers/remote-task.js';

/** Metrics `evaluate` computes unless told otherwise (all of core's built-in ones but FID); `floor` too without a post-process. */
export const DEFAULT_EVALUATION_METRICS = ['distinguishability', 'attributability', 'attribution-matrix', 'quality', 'psnr', 'ssim'] as const;

/** Which keyed generators to measure. */
export type GeneratorVariant = 'auto' | 'plain' | 'robust';

export interface EvaluateRunRequest {
  readonly dir: string;
  /** Post-process applied at evaluation strength (the robust metrics); none = plain metrics. */
  readonly postProcess?: PostProcessRequest | undefined;
  /** Metric names; default {@link DEFAULT_EVALUATION_METRICS}, and `floor` when there is no post-process. */
  readonly metrics?: readonly string[] | undefined;
  /**
   * `plain`: the keyed generators; `robust`: those fine-tuned against `postProcess` (all must
   * exist); `auto` (default): robust ones when a post-process is given and every key has one.
   */
  readonly generators?: GeneratorVariant | undefined;
  /**
   * The post-process label whose robust generators `robust`/`auto` mean; default: the name of
   * `postProcess`. Lets the robust generators be measured without a post-process (their quality).
   */
  readonly robustLabel?: string | undefined;
  /** Overrides every metric's sample count. */
  readonly samples?: number | undefined;
  /** Overrides the sample count of the named metrics (before `samples`). */
  readonly samplesByMetric?: Readonly<Record<string, number>> | undefined;
  readonly batchSize?: number | undefined;
  /**
   * Worker threads computing metrics side by side, each with its own backend and copy of the
   * generators, a metric with parts (`Metric.parts`) split into them; the results are those of
   * one thread (each metric forks the run's evaluation stream by its own names). 1 computes here,
   * each metric whole. Default and limits as `TrainGeneratorsRequest.workers`, at most one thread
   * per metric or part.
   */
  readonly workers?: number | undefined;
  /**
   * Where the metrics are computed: with one (a job queue), every metric and part of one (as
   * `workers` splits them) is a task its workers compute, with the results of one thread.
   */
  readonly dispatcher?: TaskDispatcher | undefined;
}

export interface EvaluateRunResult {
  readonly dir: string;
  /** The entry of metrics.json written. */
  readonly label: string;
  readonly record: EvaluationRecord;
}

/**
 * `attrib evaluate`: measures the run's keyed generators (every key that has one) with the named
 * metrics, optionally through a post-process at evaluation strength, and records the results
 * in metrics.json under `plain`, `plain+<pp>` or `robust-<pp>+<pp>`. Draws come from the run
 * seed, so an evaluation is repeatable.
 */
export async function evaluateRun(services: RunServices, request: EvaluateRunRequest, hooks: RunHooks = {}): Promise<EvaluateRunResult> {
  const dir = resolve(request.dir);
  const counts: [string, number | undefined][] = [
    ['samples', request.samples], ['batch size', request.batchSize],
    ...Object.entries(request.samplesByMetric ?? {}).map(([metric, n]): [string, number] => [`${metric} samples`, n]),
  ];
  for (const [what, value] of counts) {
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) throw new Error(`${what} ${value}: expected a positive integer`);
  }
  const postProcess: PostProcess | undefined = request.postProcess
    ? services.postProcess(request.postProcess.name).create(request.postProcess.params ?? {})
    : undefined;
  // The floor is measured under a post-process when it has a linear part (the floor under T).
  const withFloor = !postProcess || postProcess.linearPart !== undefined;
  const defaults = withFloor ? [...DEFAULT_EVALUATION_METRICS, 'floor'] : [...DEFAULT_EVALUATION_METRICS];
  const metrics = (request.metrics ?? defaults).map((name) => services.metric(name));
  const samplesOf = (metric: string): number | undefined => request.samplesByMetric?.[metric] ?? request.samples;
  const plugins = services.pluginModules?.();
  const requestedThreads = workerCount(request.workers, plugins);
  const session = await openRunSession(services, dir);
  try {
    const { folder } = session;
    const manifest = folder.manifest;
    const ids = manifest.keys.filter((id) => manifest.generators.includes(id));
    if (ids.length === 0) throw new Error(`run ${dir} has no keyed generators yet; run \`attrib generators train\` (or \`attrib keys init\`) first`);
    const variant = chooseVariant(request.generators ?? 'auto', request.robustLabel ?? postProcess?.name, ids, manifest.robust, dir);
    const plan: EvaluationPlan = { ids, variant, ...(request.batchSize !== undefined ? { batchSize: request.batchSize } : {}) };
    const computed: Record<string, MetricResult> = {};
    const requests: MetricRequest[] = metrics.map((metric) => ({ metric, outline: metricOutline(plan, postProcess, samplesOf(metric.name)) }));
    const threads = requestedThreads > 1 ? Math.min(requestedThreads, metricTasks(requests).length) : 1;
    if (request.dispatcher) {
      const dispatcher = request.dispatcher;
      const requestedAt = new Date().toISOString();
      const start = { backend: tf.getBackend(), prod: tf.env().getBool('PROD') };
      Object.assign(computed, await computeMetricTasks(requests, async (tasks, handlers) => {
        const remote: RemoteTask[] = tasks.map((task) => ({ kind: 'metric', dir, plan, postProcess: request.postProcess, task, requestedAt }));
        await dispatcher.run(start, remote, {
          onNote: (note, index) => {
            if (note.type === 'metric') handlers.onNote({ done: note.done, total: note.total }, tasks[index]!);
          },
          onDone: (result, index) => handlers.onDone(result, tasks[index]!),
        });
      }, hooks.onMetricProgress));
    } else if (threads > 1) {
      Object.assign(computed, await computeMetricsInWorkers(metricWorkerData(dir, plugins!, plan, request.postProcess), requests, threads, hooks.onMetricProgress));
    } else {
      const subjects = await loadSubjects(session, plan);
      try {
        for (const metric of metrics) {
          computed[metric.name] = await metric.compute(
            metricContext(session, subjects, plan, postProcess, samplesOf(metric.name), (done, total) => hooks.onMetricProgress?.(metric.name, done, total)),
          );
        }
      } finally {
        subjects.dispose();
      }
    }
    // In the order asked for, however the threads finished.
    const results: Record<string, MetricResult> = {};
    for (const metric of metrics) results[metric.name] = computed[metric.name]!;
    const label = postProcess ? `${variant}+${postProcess.name}` : variant;
    const record: EvaluationRecord = {
      evaluatedAt: new Date().toISOString(), generators: variant,
      postProcess: postProcess ? { name: postProcess.name, params: { ...postProcess.params } } : null,
      keys: ids, backend: tf.getBackend(), results,
    };
    await folder.writeMetrics(label, record);
    return { dir, label, record };
  } finally {
    session.dispose();
  }
}

/** The generator variant (`plain` or `robust-<label>`) a request for `wanted` means on this run. */
export function chooseVariant(
  wanted: GeneratorVariant, name: string | undefined, ids: readonly string[], robust: Record<string, string[]>, dir: string,
): string {
  if (wanted === 'plain') return 'plain';
  const missing = name ? ids.filter((id) => !(robust[name] ?? []).includes(id)) : ids;
  if (wanted === 'robust') {
    if (!name) throw new Error('generators robust: expected a post-process (--postprocess NAME) naming which robust generators');
    if (missing.length > 0) throw new Error(`run ${dir}: no generator robust to ${name} for ${missing.join(', ')}; run \`attrib robust train ${dir} --postprocess ${name}\``);
    return `robust-${name}`;
  }
  return name && missing.length === 0 ? `robust-${name}` : 'plain';
}

