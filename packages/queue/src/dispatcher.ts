import { Queue, QueueEvents, type Job, type JobsOptions } from 'bullmq';
import { describeUnit, type UnitDispatcher, type UnitNote, type UnitOutcome, type UnitWorkerData, type UnitWorkerHandlers, type WorkUnit } from '@attrib/core';
import type { QueueAddress } from './address.js';
import { reachable } from './reachable.js';
import { QUEUE_NAME, unitJobData, unitJobId, unitJobName, type UnitJobData } from './unit-job.js';

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
 * Adds the unit's job, or finds it already there (same run, job and unit: a resumed command); a
 * job that had failed for good is retried.
 */
async function enqueue(queue: Queue, data: UnitJobData): Promise<Job> {
  const id = unitJobId(data);
  const existing = await queue.getJob(id);
  if (existing) {
    if (await existing.isFailed()) await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return existing;
  }
  return queue.add(unitJobName(data), data, { ...UNIT_JOB_OPTIONS, jobId: id });
}

/** Options of {@link queueDispatcher}. */
export interface QueueDispatcherOptions {
  /** One line when the units are on the queue (how many were there already). */
  readonly log?: (line: string) => void;
}

/**
 * The dispatcher of `generators train --queue` and `robust train --queue`: puts the job's units on
 * the queue at `address` (payloads carry the run folder's path and the unit's ids, never key
 * vectors), hands their progress and results to the command as threads would, and resolves when
 * every unit is done. The first unit that fails for good rejects with `<unit> failed: <reason>`;
 * the other units stay on the queue (a resumed command finds them).
 */
export function queueDispatcher(address: QueueAddress, options: QueueDispatcherOptions = {}): UnitDispatcher {
  return {
    async train<O extends UnitOutcome>(data: UnitWorkerData, units: readonly WorkUnit[], handlers: UnitWorkerHandlers<O>): Promise<void> {
      const queue = new Queue(QUEUE_NAME, { connection: address.connection });
      const events = new QueueEvents(QUEUE_NAME, { connection: address.connection });
      try {
        await reachable(address, Promise.all([queue.waitUntilReady(), events.waitUntilReady()]));
        const payloads = units.map((unit) => unitJobData(data, unit));
        const byId = new Map(payloads.map((p) => [unitJobId(p), p.unit]));
        await new Promise<void>((resolveAll, rejectAll) => {
          let handled: Promise<void> = Promise.resolve();
          let failed = false;
          const settled = new Set<string>();
          const fail = (error: unknown): void => {
            if (failed) return;
            failed = true;
            rejectAll(error);
          };
          const serially = (action: () => void | Promise<void>): Promise<void> => (handled = handled.then(async () => {
            if (!failed) await action();
          }).catch(fail));
          // One listener per event for every unit (not one per unit): a job may have thousands.
          const finished = (jobId: string, outcome: O): void => {
            if (!byId.has(jobId) || settled.has(jobId)) return;
            settled.add(jobId);
            void serially(async () => {
              await handlers.onDone(outcome);
              if (settled.size === byId.size) resolveAll();
            });
          };
          const failedForGood = (jobId: string, reason: string): void => {
            if (!byId.has(jobId) || settled.has(jobId)) return;
            fail(new Error(`${describeUnit(byId.get(jobId)!)} failed: ${reason}`));
          };
          const completedJob = async (jobId: string): Promise<void> => {
            const job = await queue.getJob(jobId);
            if (job) finished(jobId, job.returnvalue as O);
          };
          events.on('progress', ({ jobId, data: raw }) => {
            if (!byId.has(jobId) || settled.has(jobId)) return;
            const note = raw as unknown as UnitNote;
            void serially(() => note.type === 'event' ? handlers.onEvent?.(note.event) : handlers.onProgress(note.unit, note.progress));
          });
          events.on('completed', ({ jobId }) => void completedJob(jobId).catch(fail));
          events.on('failed', ({ jobId, failedReason }) => failedForGood(jobId, failedReason));
          void (async () => {
            let already = 0;
            for (const payload of payloads) {
              const job = await enqueue(queue, payload);
              if ((await job.getState()) === 'completed') {
                already++;
                finished(job.id!, job.returnvalue as O);
              }
            }
            options.log?.(`${payloads.length} units on queue ${address.display}${already ? ` (${already} already done)` : ''}`);
          })().catch(fail);
        });
      } finally {
        await Promise.allSettled([events.close(), queue.close()]);
      }
    },
  };
}
