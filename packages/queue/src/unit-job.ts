import { createHash } from 'node:crypto';
import { describeTask, type PendingJob, type RemoteStart, type RemoteTask, type UnitWorkerData, type WorkUnit } from '@attrib/core';
import { fromQueueJson, toQueueJson } from './json-values.js';

/** The BullMQ queue attrib's units go through; one per Redis database. */
export const QUEUE_NAME = 'attrib-units';

/**
 * A unit on the queue: the run folder (a path every worker mounts at the same place), the job as
 * recorded in the run's manifest (stage, key ids, options, post-process names), the unit and the
 * backend it must be trained on. Never key vectors or weights: a worker reads those from the run.
 */
export interface UnitJobData {
  readonly format: 1;
  readonly dir: string;
  readonly backend: string;
  readonly prod: boolean;
  readonly job: PendingJob;
  readonly unit: WorkUnit;
}

/** The queue's payload of `unit` of the job in `data` (the plugins stay out: a worker uses its own). */
export function unitJobData(data: UnitWorkerData, unit: WorkUnit): UnitJobData {
  return { format: 1, dir: data.dir, backend: data.backend, prod: data.prod, job: data.job, unit: { id: unit.id, ...(unit.label !== undefined ? { label: unit.label } : {}) } };
}

/**
 * The job id of a unit: the same for the same unit of the same recorded job of the same run, so
 * that enqueueing it again (a resumed command) finds the job already there instead of adding a
 * second one. BullMQ forbids ':' in ids; the run and job are hashed.
 */
export function unitJobId(data: UnitJobData): string {
  const digest = createHash('sha256').update(JSON.stringify([data.dir, data.job.stage, data.job.startedAt])).digest('hex').slice(0, 16);
  return [data.job.stage, data.unit.id, ...(data.unit.label !== undefined ? [data.unit.label] : []), digest].join('-');
}

/** The BullMQ job name of a unit (shown by monitoring tools): `generators/key-2`, `robust/blur/key-2`. */
export function unitJobName(data: UnitJobData): string {
  return [data.job.stage, ...(data.unit.label !== undefined ? [data.unit.label] : []), data.unit.id].join('/');
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A remote task on the queue (an evaluation part, a study cell or collusion measurement, a
 * registry user's generator): the task (folders every worker mounts at the same path, ids,
 * options; never key vectors) and the backend the command ran on. Numbers that JSON cannot
 * carry are tagged (json-values.ts).
 */
export interface TaskJobData {
  readonly format: 2;
  readonly backend: string;
  readonly prod: boolean;
  readonly task: unknown;
}

/** The queue's payload of `task`. */
export function taskJobData(start: RemoteStart, task: RemoteTask): TaskJobData {
  return { format: 2, backend: start.backend, prod: start.prod, task: toQueueJson(task) };
}

/**
 * The job id of a remote task: the same for the same task (same folder, cell, user, part, and for
 * evaluation parts the same evaluation), so that a command run again finds the task on the queue.
 */
export function taskJobId(task: RemoteTask): string {
  return `${task.kind}-${createHash('sha256').update(JSON.stringify(toQueueJson(task))).digest('hex').slice(0, 24)}`;
}

/** The BullMQ job name of a remote task: `study cell <id>`, `metric quality part 2/4`... */
export function taskJobName(task: RemoteTask): string {
  return describeTask(task);
}

const KINDS = ['metric', 'study-cell', 'study-collusion', 'registry-generator'];

/** Checks a remote task's payload taken from the queue; a malformed one is a one-line error. */
export function readTaskJobData(value: unknown): { start: RemoteStart; task: RemoteTask } {
  if (!isRecord(value) || value.format !== 2) throw new Error('payload is not an attrib task of format 2');
  if (typeof value.backend !== 'string' || typeof value.prod !== 'boolean') throw new Error('payload has no backend');
  const task = fromQueueJson(value.task);
  if (!isRecord(task) || !KINDS.includes(task.kind as string)) throw new Error(`payload has no task of a known kind (${KINDS.join(', ')})`);
  if (typeof task.dir !== 'string' || task.dir === '') throw new Error('payload has no folder (dir)');
  return { start: { backend: value.backend, prod: value.prod }, task: task as unknown as RemoteTask };
}

/** Checks a payload taken from the queue; a malformed one is a one-line error saying what is wrong. */
export function readUnitJobData(value: unknown): UnitJobData {
  if (!isRecord(value) || value.format !== 1) throw new Error('payload is not an attrib unit of format 1');
  const { dir, backend, job, unit } = value;
  if (typeof dir !== 'string' || dir === '') throw new Error('payload has no run folder (dir)');
  if (typeof backend !== 'string') throw new Error('payload has no backend');
  if (!isRecord(job) || (job.stage !== 'generators' && job.stage !== 'robust') || typeof job.startedAt !== 'string' || !isRecord(job.options)) {
    throw new Error('payload has no generators or robust job');
  }
  if (!isRecord(unit) || typeof unit.id !== 'string' || (unit.label !== undefined && typeof unit.label !== 'string')) throw new Error('payload has no unit');
  return value as unknown as UnitJobData;
}
