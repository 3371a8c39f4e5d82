import type { Worker } from 'node:worker_threads';
import { startThread } from './thread-pool.js';
import type { UnitWorkerData, WorkUnit } from './training-threads.js';

/** A task of a unit thread: the unit, and the run, job, backend and plugins to train it with. */
export interface UnitTask {
  readonly start: UnitWorkerData;
  readonly unit: WorkUnit;
}

/**
 * Starts a long-lived worker thread that trains units of any run (unit-thread.ts), for a process
 * that hands out units from elsewhere (a queue worker). Post it `{ type: 'task', task: UnitTask }`
 * messages, one at a time; it answers with `note` messages (a {@link UnitNote}) while it trains and
 * then `done` (a {@link UnitOutcome}) or `failed` (a one-line reason). A failed task leaves the
 * thread ready for the next one.
 */
export function startUnitThread(): Worker {
  return startThread('unit-thread', {});
}
