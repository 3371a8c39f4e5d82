/**
 * Measures provisioning through the queue (docs/queue.md): `registry add --count UNITS` on a
 * test-dense registry (16x16 images, a tiny schedule), here without a queue, then with its
 * generators trained by 1 and by 2 worker processes; and the round trip of a unit that does
 * nothing (BullMQ alone). Prints JSON. Not a test:
 *   node --import tsx --conditions=source packages/queue/test/bench-registry.ts [UNITS]
 */
import { cp } from 'node:fs/promises';
import { addUsers } from '@attrib/core';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { useBackend } from '@attrib/testing/backend';
import { startRedis } from '@attrib/testing/redis-server';
import { TINY_REGISTRY_OPTIONS, writeSmallRegistry } from '@attrib/testing/small-registry';
import { parseQueueUrl, queueDispatcher } from '../src/index.js';
import { doneLines, startWorker } from './worker-process.js';

const UNITS = Number(process.argv[2] ?? 20);
const TRIVIAL = 200;
/** Keys as the tests' registries (orthogonal to |cos| < 0.02), generators of 3 epochs of 40 steps. */
const OPTIONS = { ...TINY_REGISTRY_OPTIONS, generators: { ...TINY_REGISTRY_OPTIONS.generators, epochs: 3, stepsPerEpoch: 40 } };

await useBackend('cpu');
const { host, registry } = await writeSmallRegistry(OPTIONS);
const redis = await startRedis();
const address = parseQueueUrl(redis.url);
const users = Array.from({ length: UNITS }, (_, i) => `user-${i + 1}`);
const results: Record<string, unknown> = { units: UNITS, options: OPTIONS, loadBefore: (await import('node:os')).loadavg() };

/**
 * Provisions the users in a copy of the registry; returns the seconds until the last key was
 * recorded (with a queue: when the last unit went on it; the generators are trained meanwhile)
 * and in all.
 */
async function provision(name: string, dispatch: boolean): Promise<{ keysDoneSeconds?: number; wallSeconds: number }> {
  const dir = `${registry}-${name}`;
  await cp(registry, dir, { recursive: true });
  const started = Date.now();
  let keysDone = 0;
  const log = (line: string): void => {
    if (/ units on queue /.test(line)) keysDone = Date.now();
  };
  await addUsers(host, { dir, users, ...(dispatch ? { dispatcher: queueDispatcher(address, { log }) } : {}) }, { log });
  const ended = Date.now();
  return { ...(keysDone ? { keysDoneSeconds: (keysDone - started) / 1000 } : {}), wallSeconds: (ended - started) / 1000 };
}

results.here = await provision('here', false);
for (const count of [1, 2]) {
  const workers = await Promise.all(Array.from({ length: count }, () => startWorker(redis.url, 30_000)));
  const phases = await provision(`queue-${count}`, true);
  const unitSeconds = workers.flatMap((w) => doneLines(w).map((l) => Number(/done in ([\d.]+) s$/.exec(l)![1])));
  const busy = unitSeconds.reduce((a, b) => a + b, 0);
  results[`workers${count}`] = {
    ...phases,
    usersPerHour: Math.round((UNITS / phases.wallSeconds) * 3600),
    unitSecondsSum: busy,
    meanUnitSeconds: busy / unitSeconds.length,
    // The first unit of each worker thread also starts the thread (compiles the sources, opens the registry's run).
    medianUnitSeconds: [...unitSeconds].sort((a, b) => a - b)[Math.floor(unitSeconds.length / 2)],
  };
  for (const w of workers) w.child.kill('SIGKILL');
}

// A unit that does nothing, one after another: add, take, complete, the command hears of it.
const queue = new Queue('attrib-bench-trivial', { connection: address.connection });
const events = new QueueEvents('attrib-bench-trivial', { connection: address.connection });
const worker = new Worker('attrib-bench-trivial', async () => ({ ok: true }), { connection: address.connection });
await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);
const trips: number[] = [];
for (let i = 0; i < TRIVIAL; i++) {
  const started = process.hrtime.bigint();
  const job = await queue.add('trivial', { i });
  await job.waitUntilFinished(events);
  trips.push(Number(process.hrtime.bigint() - started) / 1e6);
}
trips.sort((a, b) => a - b);
results.trivialRoundTripMs = { units: TRIVIAL, median: trips[TRIVIAL / 2], p90: trips[Math.floor(TRIVIAL * 0.9)], mean: trips.reduce((a, b) => a + b, 0) / TRIVIAL };
await Promise.all([worker.close(), events.close(), queue.close()]);
results.loadAfter = (await import('node:os')).loadavg();
await redis.stop();
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(0);
