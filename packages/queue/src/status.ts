import { Queue } from 'bullmq';
import type { QueueAddress } from './address.js';
import { reachable } from './reachable.js';
import { QUEUE_NAME } from './unit-job.js';

/** A unit that failed for good, as `queue status` lists it. */
export interface FailedUnit {
  readonly id: string;
  readonly name: string;
  readonly reason: string;
  readonly attempts: number;
}

/** What `attrib queue status` shows. */
export interface QueueStatus {
  readonly queue: string;
  /** Units by state: waiting, active, delayed (waiting to be retried), completed, failed, paused. */
  readonly counts: Readonly<Record<string, number>>;
  /** Worker processes connected now. */
  readonly workers: number;
  /** The most recent units that failed for good (at most 20). */
  readonly failed: readonly FailedUnit[];
  /** Units being trained now, with their job names. */
  readonly active: readonly string[];
}

async function withQueue<T>(address: QueueAddress, action: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = new Queue(QUEUE_NAME, { connection: address.connection });
  try {
    await reachable(address, queue.waitUntilReady(), [queue]);
    return await action(queue);
  } finally {
    await queue.close();
  }
}

/** The queue's units by state, its workers, and the units that failed. */
export function queueStatus(address: QueueAddress): Promise<QueueStatus> {
  return withQueue(address, async (queue) => {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'paused');
    const failed = await queue.getFailed(0, 19);
    const active = await queue.getActive(0, 99);
    return {
      queue: address.display,
      counts,
      workers: (await queue.getWorkers()).length,
      failed: failed.map((job) => ({ id: job.id ?? '', name: job.name, reason: job.failedReason, attempts: job.attemptsMade })),
      active: active.map((job) => job.name),
    };
  });
}

/** What {@link cleanQueue} removed. */
export interface CleanResult {
  readonly removed: Readonly<Record<string, number>>;
}

/**
 * Removes finished units (completed and failed); with `all`, every unit that is not being trained
 * (waiting and delayed too). Units in hand are never removed: their workers finish them.
 */
export function cleanQueue(address: QueueAddress, { all = false } = {}): Promise<CleanResult> {
  return withQueue(address, async (queue) => {
    const states = all ? (['completed', 'failed', 'wait', 'delayed', 'paused'] as const) : (['completed', 'failed'] as const);
    const removed: Record<string, number> = {};
    for (const state of states) removed[state] = (await queue.clean(0, 0, state)).length;
    return { removed };
  });
}
