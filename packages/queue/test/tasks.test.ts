import { cp, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  addKeys, addUsers, evaluateRun, initRun, parseStudyConfig, runStudy, trainGenerators, type CollusionRow, type PluginHost, type RunServices, type RemoteStart, type RemoteTask, type TaskDispatcher,
} from '@attrib/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@attrib/testing/backend';
import { startRedis, skipWithoutRedis, type TestRedis } from '@attrib/testing/redis-server';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { TINY_REGISTRY_OPTIONS, writeSmallRegistry } from '@attrib/testing/small-registry';
import { copyRun } from '@attrib/testing/three-key-run';
import { parseQueueUrl, queueDispatcher, type QueueAddress } from '../src/index.js';
import { doneLines, startWorker, type WorkerProcess } from './worker-process.js';

const LOCK_MS = 5000;

/** study.csv's rows without the columns that say when a cell finished. */
async function csvNumbers(dir: string): Promise<Record<string, string>[]> {
  const [header, ...lines] = (await readFile(join(dir, 'study.csv'), 'utf8')).trimEnd().split('\n');
  const columns = header!.split(',');
  expect(columns).toContain('attributability');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i]!, v]).filter(([column]) => column !== 'finishedAt')));
}

/** Every file of a registry's keys/ and generators/, by path, with its bytes. */
async function registryFiles(dir: string): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  for (const file of await readdir(join(dir, 'keys'))) files[`keys/${file}`] = await readFile(join(dir, 'keys', file));
  for (const key of await readdir(join(dir, 'generators'))) files[`generators/${key}`] = await readFile(join(dir, 'generators', key, 'generator.ckpt'));
  return files;
}

const skip = skipWithoutRedis('the job queue tests of evaluate, study and registry add (packages/queue)');

describe.skipIf(skip)('evaluation parts, study cells and registry users on a job queue (BullMQ on a real redis-server)', { timeout: 240_000 }, () => {
  let redis: TestRedis;
  let address: QueueAddress;
  let host: PluginHost;
  let fixture: RunFixture;
  let base: string;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    address = parseQueueUrl(redis.url);
    await useBackend('cpu');
    host = await testHost();
    fixture = await writeRunFixture(96);
    base = join(fixture.dir, 'base');
    await initRun(host, { dir: base, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 7, options: TINY_OPTIONS.first });
    await addKeys(host, { dir: base, count: 1, options: TINY_OPTIONS.keys });
    await trainGenerators(host, { dir: base, options: TINY_OPTIONS.generators });
    workers = await Promise.all([startWorker(redis.url, LOCK_MS), startWorker(redis.url, LOCK_MS)]);
  });

  afterAll(async () => {
    for (const { child } of workers) child.kill('SIGKILL');
    await redis?.stop();
  });

  it('a study split between two worker processes runs every cell once, and its study.csv holds the numbers of a local study', async () => {
    const config = parseStudyConfig({
      base, postprocesses: { 'test-contrast': { param: 'min', values: [0.5, 0.9] } }, robust: [false, true],
      training: { robust: TINY_OPTIONS.robust, keys: TINY_OPTIONS.keys, generators: TINY_OPTIONS.generators }, evaluation: { samples: 24, fid: false },
    });
    const local = await runStudy(host, config, join(fixture.dir, 'study-local'), {}, { workers: 1 });
    const before = workers.map((w) => doneLines(w).length);
    const queued = await runStudy(host, config, join(fixture.dir, 'study-queued'), {}, { dispatcher: queueDispatcher(address) });
    expect(queued.ran).toHaveLength(4);
    const cellsDone = workers.map((w, i) => doneLines(w).slice(before[i]).filter((l) => l.startsWith('study cell ')));
    // Each worker ran at least one cell, and every cell ran exactly once.
    expect(cellsDone.map((lines) => lines.length).every((n) => n >= 1)).toBe(true);
    expect(cellsDone.flat().map((l) => l.split(' ')[2]).sort()).toEqual(local.rows.map((r) => r.cell).sort());
    expect(await csvNumbers(queued.dir)).toEqual(await csvNumbers(local.dir));
    expect(queued.rows.map(({ finishedAt: _, ...row }) => row)).toEqual(local.rows.map(({ finishedAt: _, ...row }) => row));
  });

  it('a study with a collusion axis: the workers measure each pool and k, and collusion.csv holds the rows of a local study in its order', async () => {
    const config = parseStudyConfig({
      base, postprocesses: ['none'], collusion: { k: [2], pool: ['weights', 'outputs', 'splice'] },
      training: { robust: TINY_OPTIONS.robust, keys: TINY_OPTIONS.keys, generators: TINY_OPTIONS.generators }, evaluation: { samples: 24, fid: false },
    });
    const local = await runStudy(host, config, join(fixture.dir, 'collusion-local'), {}, { workers: 1 });
    expect(local.collusion.map((r) => r.pool)).toEqual(['weights', 'outputs', 'splice']);
    const before = workers.map((w) => doneLines(w).length);
    // The study's own process loads no generator: the cell and the measurements run in the workers.
    const adapters: string[] = [];
    const watched: RunServices = {
      adapter: (name) => (adapters.push(name), host.adapter(name)), imageSource: (name) => host.imageSource(name),
      postProcess: (name) => host.postProcess(name), metric: (name) => host.metric(name), pluginModules: () => host.pluginModules(),
    };
    const logs: string[] = [];
    const queued = await runStudy(watched, config, join(fixture.dir, 'collusion-queued'), { log: (l) => logs.push(l) }, { dispatcher: queueDispatcher(address) });
    expect(adapters).toEqual([]);
    const done = workers.flatMap((w, i) => doneLines(w).slice(before[i]).map((l) => l.split(' of ')[0]));
    expect(done.sort()).toEqual(['study cell base_base_none_default_plain', 'study collusion base/outputs/k2', 'study collusion base/splice/k2', 'study collusion base/weights/k2']);
    expect(logs.filter((l) => l.startsWith('collusion'))).toEqual(['collusion of base: 3 measurements (pool x k) written']);
    const numbers = (rows: readonly CollusionRow[]) => rows.map(({ finishedAt: _, ...row }) => row);
    expect(numbers(queued.collusion)).toEqual(numbers(local.collusion));
    const csv = async (dir: string) => (await readFile(join(dir, 'collusion.csv'), 'utf8')).split('\n').map((line) => line.split(',').slice(0, -1).join(','));
    expect(await csv(queued.dir)).toEqual(await csv(local.dir));
    // Run again, the study is done: nothing goes to the queue and study.json stays as it was.
    const study = await readFile(join(queued.dir, 'study.json'), 'utf8');
    const again = await runStudy(host, config, queued.dir, {}, { dispatcher: queueDispatcher(address) });
    expect([again.ran, numbers(again.collusion)]).toEqual([[], numbers(local.collusion)]);
    expect(await readFile(join(queued.dir, 'study.json'), 'utf8')).toBe(study);
    expect(workers.flatMap((w, i) => doneLines(w).slice(before[i]))).toHaveLength(4);
  });

  it('evaluate: metrics and their parts computed by the workers give exactly the numbers of a local evaluation', async () => {
    const here = await copyRun(base, 'evaluate-local');
    const there = await copyRun(base, 'evaluate-queued');
    // quality over 5,001 shared inputs and psnr over 2,501 split into 3 and 2 parts (one per 2,500).
    const request = { metrics: ['distinguishability', 'attributability', 'quality', 'psnr', 'ssim', 'floor'], samples: 24, samplesByMetric: { quality: 5001, psnr: 2501 }, batchSize: 100 };
    const local = await evaluateRun(host, { dir: here, ...request, workers: 1 });
    const before = workers.map((w) => doneLines(w).length);
    const progress: string[] = [];
    const queued = await evaluateRun(host, { dir: there, ...request, dispatcher: queueDispatcher(address) }, { onMetricProgress: (metric) => progress.push(metric) });
    expect(queued.label).toBe(local.label);
    expect(queued.record.results).toEqual(local.record.results);
    const parts = workers.flatMap((w, i) => doneLines(w).slice(before[i]).filter((l) => l.startsWith('metric ')));
    // Every metric and part was computed once by a worker.
    expect(parts.map((l) => l.split(' of ')[0]).sort()).toEqual([
      'metric attributability', 'metric distinguishability', 'metric floor', 'metric psnr part 1/2', 'metric psnr part 2/2',
      'metric quality part 1/3', 'metric quality part 2/3', 'metric quality part 3/3', 'metric ssim',
    ]);
    expect(JSON.parse(await readFile(join(there, 'metrics.json'), 'utf8')).plain.results).toEqual(JSON.parse(await readFile(join(here, 'metrics.json'), 'utf8')).plain.results);
  });

  it('registry add --count: 3 users whose generators two workers trained have byte for byte the keys and generators of a local provisioning', async () => {
    const { host: registryHost, registry } = await writeSmallRegistry(TINY_REGISTRY_OPTIONS);
    const queuedRegistry = `${registry}-queued`;
    await cp(registry, queuedRegistry, { recursive: true });
    const users = ['u-1', 'u-2', 'u-3'];
    const local = await addUsers(registryHost, { dir: registry, users });
    const before = workers.map((w) => doneLines(w).length);
    const queued = await addUsers(registryHost, { dir: queuedRegistry, users, dispatcher: queueDispatcher(address) });
    expect(queued.added.map((u) => [u.user, u.key, u.orthogonalTo])).toEqual([['u-1', 'key-2', ['key-1']], ['u-2', 'key-3', ['key-1', 'key-2']], ['u-3', 'key-4', ['key-1', 'key-2', 'key-3']]]);
    expect(queued.added).toEqual(local.added);
    const files = await registryFiles(queuedRegistry);
    expect(Object.keys(files).sort()).toEqual(['generators/key-2', 'generators/key-3', 'generators/key-4', 'keys/key-2.json', 'keys/key-2.png', 'keys/key-3.json', 'keys/key-3.png', 'keys/key-4.json', 'keys/key-4.png']);
    expect(files).toEqual(await registryFiles(registry));
    const index = JSON.parse(await readFile(join(queuedRegistry, 'registry.json'), 'utf8')) as { users: { user: string; status: string; adding?: unknown }[] };
    expect(index.users.map((u) => [u.user, u.status, u.adding])).toEqual(users.map((u) => [u, 'ready', undefined]));
    expect(workers.flatMap((w, i) => doneLines(w).slice(before[i]).filter((l) => l.startsWith('generator of user ')))).toHaveLength(3);
    // Provisioning again skips the users that are there.
    const again = await addUsers(registryHost, { dir: queuedRegistry, users, dispatcher: queueDispatcher(address) });
    expect(again).toMatchObject({ added: [], skipped: users });
  });

  it('resolves only after every result has been handed over, also when results arrive while a slow handler runs', async () => {
    // Jobs already done on the queue are handed over at once, one after another; a handler that
    // takes its time must still see every one of them before the dispatch resolves.
    const there = await copyRun(base, 'evaluate-handover');
    const inner = queueDispatcher(address);
    let captured: { start: RemoteStart; tasks: RemoteTask[] } | undefined;
    const recording: TaskDispatcher = {
      async run(start, tasks, handlers) {
        const list: RemoteTask[] = [];
        for await (const task of tasks) list.push(task);
        captured = { start, tasks: list };
        return inner.run(start, list, handlers);
      },
    };
    await evaluateRun(host, { dir: there, metrics: ['distinguishability', 'attributability', 'psnr'], samples: 24, dispatcher: recording });
    expect(captured!.tasks.length).toBeGreaterThanOrEqual(3);
    let handed = 0;
    await inner.run(captured!.start, captured!.tasks, {
      onDone: async () => {
        await new Promise((done) => setTimeout(done, 200));
        handed++;
      },
    });
    expect(handed).toBe(captured!.tasks.length);
  });

  it('a task whose folder a worker cannot see fails for good at once, naming the folder', async () => {
    const missing = join(fixture.dir, 'not-mounted-registry');
    const run = queueDispatcher(address).run({ backend: 'cpu', prod: true }, [{ kind: 'registry-generator', dir: missing, user: 'u-9', key: 'key-9' }], {
      onDone: async () => undefined,
    });
    await expect(run).rejects.toThrow(new RegExp(`^generator of user u-9 \\(key-9\\) failed: folder ${missing} is not visible on worker \\S+: every worker must mount the run folders at the same path$`));
  });
});
