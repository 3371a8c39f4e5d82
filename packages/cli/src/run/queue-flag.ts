import { Flags } from '@oclif/core';
import { parseQueueUrl, queueDispatcher, type QueueAddress } from '@attrib/queue';
import type { TaskDispatcher, UnitDispatcher } from '@attrib/core';

const URL_FORM = 'URL: redis://HOST:PORT[/DB] or rediss://, with USER:PASSWORD@ if needed.';

/** `--queue URL`, optional: the Redis server of the job queue (see docs/queue.md). */
export function queueFlag(summary: string) {
  return Flags.string({ summary: `${summary} ${URL_FORM}` });
}

/** `--queue URL`, required (the worker and queue commands). */
export function requiredQueueFlag(summary: string) {
  return Flags.string({ summary: `${summary} ${URL_FORM}`, required: true });
}

/** `--queue URL` on a training command: its units go to the queue's workers instead of this process's threads. */
export const trainingQueueFlag = queueFlag('Put the units on this job queue (BullMQ on Redis) and wait for `attrib worker` processes to train them, instead of training here.');

/** The queue named by `url`, checked (a one-line error naming --queue and the value). */
export function queueAddress(url: string): QueueAddress {
  return parseQueueUrl(url, '--queue');
}

/** The dispatcher of a training command given `--queue url` (none without it). */
export function trainingDispatcher(url: string | undefined, info: (line: string) => void): { dispatcher?: UnitDispatcher } {
  return url === undefined ? {} : { dispatcher: queueDispatcher(queueAddress(url), { log: info }) };
}

/** `--queue URL` on `evaluate`, `study` and `registry add`: their tasks go to the queue's workers. */
export const taskQueueFlag = queueFlag('Put the work (metric parts, study cells and collusion measurements, users\' generators) on this job queue (BullMQ on Redis) and wait for `attrib worker` processes to do it, instead of doing it here.');

/** The task dispatcher of a command given `--queue url` (none without it). */
export function taskDispatcher(url: string | undefined, info: (line: string) => void): { dispatcher?: TaskDispatcher } {
  return url === undefined ? {} : { dispatcher: queueDispatcher(queueAddress(url), { log: info }) };
}
