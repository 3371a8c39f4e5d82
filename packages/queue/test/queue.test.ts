import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trainGenerators, trainRobust, type PluginHost, type TrainingEvent } from '@attrib/core';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@attrib/testing/backend';
import { startRedis, skipWithoutRedis, type TestRedis } from '@attrib/testing/redis-server';
import { manifestOf, tensorsOf } from '@attrib/testing/run-files';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { copyRun, writeThreeKeyRun } from '@attrib/testing/three-key-run';
import { parseQueueUrl, QUEUE_NAME, queueDispatcher, type QueueAddress } from '../src/index.js';
import { startWorker, type WorkerProcess } from './worker-process.js';

/** A killed worker's unit is handed back within about twice this. */
const LOCK_MS = 1500;
/** Generator options whose units last long enough to be interrupted mid-unit. */
const LONGER = { ...TINY_OPTIONS.generators, epochs: 3, stepsPerEpoch: 40 };

async function expectSameGenerators(dir: string, reference: string, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const expected = await tensorsOf(join(reference, 'generators', id, 'generator.ckpt'));
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(await tensorsOf(join(dir, 'generators', id, 'generator.ckpt'))).toEqual(expected);
    expect(await readFile(join(dir, 'generators', id, 'generator.ckpt'))).toEqual(await readFile(join(reference, 'generators', id, 'generator.ckpt')));
    expect(await readFile(join(dir, 'samples', `${id}.png`))).toEqual(await readFile(join(reference, 'samples', `${id}.png`)));
  }
}

const skip = skipWithoutRedis('the job queue tests (packages/queue)');

describe.skipIf(skip)('generators trained on a job queue (BullMQ on a real redis-server)', { timeout: 240_000 }, () => {
  let redis: TestRedis;
  let address: QueueAddress;
  let host: PluginHost;
  let fixture: RunFixture;
  let keysOnly: string;
  const workers: WorkerProcess[] = [];
  const worker = async (): Promise<WorkerProcess> => {
    const started = await startWorker(redis.url, LOCK_MS);
    workers.push(started);
    return started;
  };

  beforeAll(async () => {
    redis = await startRedis();
    address = parseQueueUrl(redis.url);
    await useBackend('cpu');
    host = await testHost();
    fixture = await writeRunFixture(128);
    keysOnly = await writeThreeKeyRun(host, fixture, 'keys-only', 5);
  });

  afterAll(async () => {
    for (const { child } of workers) child.kill('SIGKILL');
    await redis?.stop();
  });

  it('by two worker processes give byte for byte the generators (and robust ones) of threads, recorded in the manifest', async () => {
    const threads = await copyRun(keysOnly, 'threads');
    const queued = await copyRun(keysOnly, 'queued');
    const [a, b] = await Promise.all([worker(), worker()]);
    const expected = await trainGenerators(host, { dir: threads, options: TINY_OPTIONS.generators, workers: 2 });
    const events: TrainingEvent[] = [];
    const result = await trainGenerators(host, { dir: queued, options: TINY_OPTIONS.generators, dispatcher: queueDispatcher(address) }, { onEvent: (e) => events.push(e) });
    expect(result.trained).toEqual(['key-2', 'key-3']);
    expect(result.reports).toEqual(expected.reports);
    await expectSameGenerators(queued, threads, ['key-2', 'key-3']);
    const m = await manifestOf(queued);
    expect(m.generators).toEqual(['key-1', 'key-2', 'key-3']);
    expect(m.pending).toBeUndefined();
    expect(m.progress['generators/key-3']).toMatchObject({ epochs: 2, epochsDone: 2, done: true });
    // The workers' training events reached the command, and each worker trained one unit.
    expect(events.filter((e) => e.type === 'epoch').map((e) => e.unit).sort()).toEqual(['generators/key-2', 'generators/key-2', 'generators/key-3', 'generators/key-3']);
    const done = (w: WorkerProcess): string[] => w.lines.filter((l) => / done in /.test(l));
    expect(done(a!)).toHaveLength(1);
    expect(done(b!)).toHaveLength(1);

    // Robust generators go through the same queue and workers, with the bytes of a thread too.
    const robust = { postProcesses: [{ name: 'test-contrast' }], keys: ['key-2'], options: TINY_OPTIONS.robust };
    await trainRobust(host, { dir: threads, ...robust, workers: 1 });
    const queuedRobust = await trainRobust(host, { dir: queued, ...robust, dispatcher: queueDispatcher(address) });
    expect(queuedRobust.trained).toEqual(['test-contrast/key-2']);
    for (const file of ['generators/key-2/robust-test-contrast.ckpt', 'samples/key-2-robust-test-contrast.png']) {
      expect(await readFile(join(queued, file))).toEqual(await readFile(join(threads, file)));
    }
    expect((await manifestOf(queued)).robust['test-contrast']).toEqual(['key-2']);
    a!.child.kill('SIGKILL');
    b!.child.kill('SIGKILL');
  });

  it('lose nothing when a worker is killed mid-unit: another takes the unit up again and ends as an uninterrupted run', async () => {
    const reference = await copyRun(keysOnly, 'uninterrupted');
    const queued = await copyRun(keysOnly, 'killed');
    await trainGenerators(host, { dir: reference, keys: ['key-2'], options: LONGER, workers: 1 });
    const first = await worker();
    let second: Promise<WorkerProcess> | undefined;
    const result = await trainGenerators(host, { dir: queued, keys: ['key-2'], options: LONGER, dispatcher: queueDispatcher(address) }, {
      onEvent: (event) => {
        if (event.type === 'epoch' && event.epoch === 0 && !second) {
          first.child.kill('SIGKILL');
          second = worker();
        }
      },
    });
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(first.lines.some((l) => / done in /.test(l))).toBe(false);
    expect(result.trained).toEqual(['key-2']);
    await expectSameGenerators(queued, reference, ['key-2']);
    const taker = await second!;
    expect(taker.lines.find((l) => l.includes('generator of key-2') && l.includes('started'))).toMatch(/attempt 2\)/);
    expect((await manifestOf(queued)).progress['generators/key-2']).toMatchObject({ epochs: 3, epochsDone: 3, done: true });
    taker.child.kill('SIGKILL');
  });

  it('report a unit that fails for good (a run folder the worker cannot see) once, without retrying it', async () => {
    const w = await worker();
    const missing = join(fixture.dir, 'not-mounted');
    const job = { stage: 'generators' as const, keys: ['key-2'], options: {}, startedAt: new Date().toISOString() };
    const dispatch = queueDispatcher(address).train({ dir: missing, backend: 'cpu', prod: true, plugins: [], job }, [{ id: 'key-2' }], { onProgress: async () => undefined, onDone: async () => undefined });
    await expect(dispatch).rejects.toThrow(`generator of key-2 failed: run folder ${missing} is not visible on worker`);
    const queue = new Queue(QUEUE_NAME, { connection: address.connection });
    try {
      const failed = await queue.getFailed();
      const unit = failed.find((j) => (j.data as { dir: string }).dir === missing);
      expect(unit?.attemptsMade).toBe(1);
      expect(unit?.failedReason).toContain('every worker must mount the run folders at the same path');
    } finally {
      await queue.close();
    }
    w.child.kill('SIGKILL');
  });

  it('on SIGTERM a worker finishes the unit in hand, takes no other and exits 0', async () => {
    const reference = await copyRun(keysOnly, 'sigterm-reference');
    const queued = await copyRun(keysOnly, 'sigterm');
    await trainGenerators(host, { dir: reference, options: LONGER, workers: 1 });
    const stopping = await worker();
    let next: Promise<WorkerProcess> | undefined;
    const result = await trainGenerators(host, { dir: queued, options: LONGER, dispatcher: queueDispatcher(address) }, {
      onEvent: (event) => {
        if (event.type === 'step' && !next) {
          stopping.child.kill('SIGTERM');
          // Another worker starts once the first has left, to train what it did not take.
          next = stopping.exited.then(() => worker());
        }
      },
    });
    const exit = await stopping.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(stopping.lines.filter((l) => / done in /.test(l))).toHaveLength(1);
    expect(stopping.lines.at(-1)).toBe('closed');
    expect(result.trained).toEqual(['key-2', 'key-3']);
    await expectSameGenerators(queued, reference, ['key-2', 'key-3']);
    (await next!).child.kill('SIGKILL');
  });
});
