import { hostname } from 'node:os';
import { Worker, UnrecoverableError, type Job } from 'bullmq';
import { stat } from 'node:fs/promises';
import { describeTask, describeUnit, RunFolder, taskFolder, type PluginModule, type RemoteNote, type RemoteStart, type RemoteTask, type UnitNote } from '@attrib/core';
import { toQueueJson } from './json-values.js';
import type { QueueAddress } from './address.js';
import { QUEUE_NAME, readTaskJobData, readUnitJobData, type UnitJobData } from './unit-job.js';
import { reachable } from './reachable.js';
import { UnitThreads } from './unit-threads.js';

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions {
  readonly address: QueueAddress;
  /** The plugins units are trained with (this worker's own, e.g. a CLI plugin host's modules). */
  readonly plugins: readonly PluginModule[];
  /** Units trained side by side, each in its own thread (default 1). */
  readonly concurrency?: number;
  /**
   * How long a unit stays locked to this worker without a renewal, in ms (default 30000). A worker
   * killed mid-unit hands its unit back after at most twice this long (BullMQ's stalled check).
   */
  readonly lockMs?: number;
  /** One line per unit taken, finished or failed. */
  readonly log?: (line: string) => void;
}

/** A running queue worker. */
export interface QueueWorker {
  /** Resolves once the worker is connected to Redis and waiting for units; rejects (and stops it) when Redis cannot be reached or refuses the password. */
  readonly ready: Promise<void>;
  /** Takes no more units, lets the units in hand finish, then stops the threads (`force`: hands them back at once). */
  close(force?: boolean): Promise<void>;
}

/** Step events are forwarded at most this often per unit; the others (epochs, progress) always. */
const STEP_NOTE_MS = 250;

/** How many times a unit may be handed back by a worker that died before it fails for good. */
export const MAX_STALLED = 2;

/**
 * Checks what a worker can check before training: that it sees the run folder at the payload's
 * path, and that the run's recorded job is still the payload's. Either failing is a failure for
 * good (BullMQ's UnrecoverableError: no retry) with a one-line reason naming the path.
 */
async function checkRun(data: UnitJobData): Promise<void> {
  if (!(await RunFolder.exists(data.dir))) {
    throw new UnrecoverableError(`run folder ${data.dir} is not visible on worker ${hostname()} (no manifest.json there): every worker must mount the run folders at the same path`);
  }
  const pending = (await RunFolder.open(data.dir)).manifest.pending;
  if (pending?.stage !== data.job.stage || pending.startedAt !== data.job.startedAt) {
    throw new UnrecoverableError(`run ${data.dir}: its ${data.job.stage} job of ${data.job.startedAt} is no longer pending (pending: ${pending ? `${pending.stage} of ${pending.startedAt}` : 'none'})`);
  }
}

/** A remote task's folder must be visible here; else it fails for good with a reason naming the path. */
async function checkFolder(task: RemoteTask): Promise<void> {
  const folder = taskFolder(task);
  const seen = await stat(folder).then((info) => info.isDirectory(), () => false);
  if (!seen) {
    throw new UnrecoverableError(`folder ${folder} is not visible on worker ${hostname()}: every worker must mount the run folders at the same path`);
  }
}

/**
 * Starts a worker that takes units from the queue at `address` and trains them in its own threads
 * with core's unit code (the code of `generators train --workers`): keyed generators and robust
 * generators; and remote tasks (evaluation parts, study cells, registry users' generators) with
 * the code the commands run them with. A unit's progress and training events go to the queue as the job's progress; its
 * result is the unit's outcome. A unit that throws is retried by the queue (its job's attempts); a
 * bad payload or a run this worker cannot see fails for good.
 */
export function startQueueWorker(options: QueueWorkerOptions): QueueWorker {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency ${concurrency}: expected a positive whole number of unit threads`);
  const lockMs = options.lockMs ?? 30_000;
  const log = options.log ?? (() => undefined);
  const threads = new UnitThreads(concurrency);

  const processUnit = async (job: Job): Promise<unknown> => {
    let unit: UnitJobData | undefined;
    let remote: { start: RemoteStart; task: RemoteTask } | undefined;
    try {
      if ((job.data as { format?: unknown }).format === 2) remote = readTaskJobData(job.data);
      else unit = readUnitJobData(job.data);
    } catch (error) {
      throw new UnrecoverableError(`job ${job.id}: ${(error as Error).message}`);
    }
    if (unit) await checkRun(unit);
    else await checkFolder(remote!.task);
    const what = unit ? `${describeUnit(unit.unit)} of run ${unit.dir}` : `${describeTask(remote!.task)} of ${taskFolder(remote!.task)}`;
    log(`${what}: started (attempt ${job.attemptsStarted})`);
    const started = Date.now();
    let sent: Promise<unknown> = Promise.resolve();
    let lastFrequent = 0;
    const onNote = (note: UnitNote | RemoteNote): void => {
      if ((note.type === 'event' && note.event.type === 'step') || note.type === 'metric') {
        if (Date.now() - lastFrequent < STEP_NOTE_MS) return;
        lastFrequent = Date.now();
      }
      const progress = (unit ? note : toQueueJson(note)) as object;
      sent = sent.then(() => job.updateProgress(progress)).catch(() => undefined);
    };
    const result = unit
      ? await threads.run({ start: { dir: unit.dir, backend: unit.backend, prod: unit.prod, plugins: options.plugins, job: unit.job }, unit: unit.unit }, onNote)
      : toQueueJson(await threads.run({ start: { ...remote!.start, plugins: options.plugins }, remote: remote!.task }, onNote));
    await sent;
    log(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  };

  const worker = new Worker(QUEUE_NAME, processUnit, {
    connection: options.address.connection,
    concurrency,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: MAX_STALLED,
  });
  worker.on('failed', (job, error) => {
    if (job) log(`job ${job.id} failed (attempt ${job.attemptsMade} of ${job.opts.attempts ?? 1}): ${error.message}`);
  });
  worker.on('error', (error) => log(`queue ${options.address.display}: ${error.message}`));

  let closing: Promise<void> | undefined;
  return {
    ready: reachable(options.address, worker.waitUntilReady(), [worker]).then(() => undefined, async (error: unknown) => {
      await worker.close(true).catch(() => undefined);
      await threads.close();
      throw error;
    }),
    close(force = false) {
      if (force) return worker.close(true).then(() => threads.close());
      closing ??= worker.close().then(() => threads.close());
      return closing;
    },
  };
}
