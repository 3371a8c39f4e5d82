import { Queue, QueueEvents, type Job, type JobsOptions } from 'bullmq';
import {
  describeTask, describeUnit, type RemoteNote, type RemoteStart, type RemoteTask, type RemoteTaskHandlers, type TaskDispatcher, type UnitDispatcher,
  type UnitNote, type UnitOutcome, type UnitWorkerData, type UnitWorkerHandlers, type WorkUnit,
} from '@attrib/core';
import { fromQueueJson } from './json-values.js';
import type { QueueAddress } from './address.js';
import { reachable } from './reachable.js';
import { QUEUE_NAME, taskJobData, taskJobId, taskJobName, unitJobData, unitJobId, unitJobName } from './unit-job.js';

/**
 * What every unit job is added with: 3 attempts 10 s, 20 s apart for a unit that throws (a
 * file-system hiccup); finished jobs are kept a week (failed ones a month) so that a resumed
 * command finds them, then removed.
 */
export const UNIT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 10_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/**
 * Adds the job, or finds it already there (same id: a resumed command); a job that had failed for
 * good is retried.
 */
async function enqueue(queue: Queue, job: QueuedJob): Promise<Job> {
  const existing = await queue.getJob(job.id);
  if (existing) {
    if (await existing.isFailed()) await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return existing;
  }
  return queue.add(job.name, job.data, { ...UNIT_JOB_OPTIONS, jobId: job.id });
}

/** A job to put on the queue: its fixed id, its name (for monitoring) and its payload. */
interface QueuedJob {
  readonly id: string;
  readonly name: string;
  readonly data: object;
  /** How messages name it: `generator of key-2`, `study cell ...`. */
  readonly what: string;
}

/** What the dispatch does with its jobs' reports; each call is awaited before the next. */
interface JobHandlers {
  onProgress(index: number, progress: unknown): void | Promise<void>;
  onDone(index: number, result: unknown): Promise<void>;
}

/** Options of {@link queueDispatcher}. */
export interface QueueDispatcherOptions {
  /** One line when the units are on the queue (how many were there already). */
  readonly log?: (line: string) => void;
}

/**
 * Puts `jobs` on the queue at `address` as they come (a list, or a stream a command still makes,
 * e.g. a registry's users as their keys are recorded), hands their progress and results to
 * `handlers` one at a time in arrival order, and resolves when the stream has ended and every job
 * is done. The first job that fails for good rejects with `<what> failed: <reason>`, as does an
 * error of the stream; the other jobs stay on the queue (a resumed command finds them).
 */
async function dispatch(
  address: QueueAddress, jobs: Iterable<QueuedJob> | AsyncIterable<QueuedJob>, handlers: JobHandlers, options: QueueDispatcherOptions,
): Promise<void> {
  const queue = new Queue(QUEUE_NAME, { connection: address.connection });
  const events = new QueueEvents(QUEUE_NAME, { connection: address.connection });
  try {
    await reachable(address, Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), [queue, events]);
    const byId = new Map<string, number>();
    const added: QueuedJob[] = [];
    await new Promise<void>((resolveAll, rejectAll) => {
      let handled: Promise<void> = Promise.resolve();
      let failed = false;
      let allAdded = false;
      const settled = new Set<string>();
      // Counted after a job's onDone has run: a job settled but still waiting in the chain is not done.
      let handledCount = 0;
      const fail = (error: unknown): void => {
        if (failed) return;
        failed = true;
        rejectAll(error);
      };
      const serially = (action: () => void | Promise<void>): Promise<void> => (handled = handled.then(async () => {
        if (!failed) await action();
      }).catch(fail));
      const resolveIfAllDone = (): void => {
        if (allAdded && handledCount === byId.size) resolveAll();
      };
      // One listener per event for every job (not one per job): a command may have thousands.
      const finished = (jobId: string, result: unknown): void => {
        if (!byId.has(jobId) || settled.has(jobId)) return;
        settled.add(jobId);
        void serially(async () => {
          await handlers.onDone(byId.get(jobId)!, result);
          handledCount++;
          resolveIfAllDone();
        });
      };
      const failedForGood = (jobId: string, reason: string): void => {
        if (!byId.has(jobId) || settled.has(jobId)) return;
        fail(new Error(`${added[byId.get(jobId)!]!.what} failed: ${reason}`));
      };
      const completedJob = async (jobId: string): Promise<void> => {
        const job = await queue.getJob(jobId);
        if (job) finished(jobId, job.returnvalue);
      };
      events.on('progress', ({ jobId, data: raw }) => {
        if (!byId.has(jobId) || settled.has(jobId)) return;
        void serially(() => handlers.onProgress(byId.get(jobId)!, raw));
      });
      events.on('completed', ({ jobId }) => void completedJob(jobId).catch(fail));
      events.on('failed', ({ jobId, failedReason }) => failedForGood(jobId, failedReason));
      void (async () => {
        let already = 0;
        for await (const queued of jobs) {
          if (failed) return;
          byId.set(queued.id, added.length);
          added.push(queued);
          const job = await enqueue(queue, queued);
          if ((await job.getState()) === 'completed') {
            already++;
            finished(job.id!, job.returnvalue);
          }
        }
        options.log?.(`${added.length} units on queue ${address.display}${already ? ` (${already} already done)` : ''}`);
        allAdded = true;
        void serially(resolveIfAllDone);
      })().catch(fail);
    });
  } finally {
    await Promise.allSettled([events.close(), queue.close()]);
  }
}

/** `items` mapped one by one as they come. */
async function* mapStream<T, U>(items: readonly T[] | AsyncIterable<T>, map: (item: T) => U): AsyncIterable<U> {
  for await (const item of items) yield map(item);
}

/**
 * The dispatcher of the commands given `--queue`: puts their units on the queue at `address`
 * (payloads carry folder paths and ids, never key vectors) and resolves when every unit is done.
 * As a {@link UnitDispatcher} (`generators train`, `robust train`) it hands the units' progress
 * and results to the command as threads would; as a {@link TaskDispatcher} (`evaluate`, `study`,
 * `registry add --count`) it does the same for remote tasks, their results restored with exactly
 * their numbers.
 */
export function queueDispatcher(address: QueueAddress, options: QueueDispatcherOptions = {}): UnitDispatcher & TaskDispatcher {
  return {
    async train<O extends UnitOutcome>(data: UnitWorkerData, units: readonly WorkUnit[], handlers: UnitWorkerHandlers<O>): Promise<void> {
      const jobs = units.map((unit) => {
        const payload = unitJobData(data, unit);
        return { id: unitJobId(payload), name: unitJobName(payload), data: payload, what: describeUnit(unit) };
      });
      await dispatch(address, jobs, {
        onProgress: (_, raw) => {
          const note = raw as UnitNote;
          return note.type === 'event' ? handlers.onEvent?.(note.event) : handlers.onProgress(note.unit, note.progress);
        },
        onDone: (_, result) => handlers.onDone(result as O),
      }, options);
    },
    async run<R>(start: RemoteStart, tasks: readonly RemoteTask[] | AsyncIterable<RemoteTask>, handlers: RemoteTaskHandlers<R>): Promise<void> {
      const jobs = mapStream(tasks, (task) => ({ id: taskJobId(task), name: taskJobName(task), data: taskJobData(start, task), what: describeTask(task) }));
      await dispatch(address, jobs, {
        onProgress: (index, raw) => handlers.onNote?.(fromQueueJson(raw) as RemoteNote, index),
        onDone: (index, result) => handlers.onDone(fromQueueJson(result) as R, index),
      }, options);
    },
  };
}
