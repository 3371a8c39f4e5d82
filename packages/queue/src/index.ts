// The public API of @attrib/queue: attrib's training units on a BullMQ job queue (Redis).
export { parseQueueUrl, type QueueAddress } from './address.js';
export { QUEUE_NAME, unitJobData, unitJobId, type UnitJobData } from './unit-job.js';
export { queueDispatcher, UNIT_JOB_OPTIONS, type QueueDispatcherOptions } from './dispatcher.js';
export { startQueueWorker, MAX_STALLED, type QueueWorker, type QueueWorkerOptions } from './worker.js';
export { closeOnSignals } from './signals.js';
export { queueStatus, cleanQueue, type QueueStatus, type FailedUnit, type CleanResult } from './status.js';
