/**
 * Measures the queue (docs/queue.md): 20 keyed generators of a test-dense run trained through the
 * queue by 1 and then 2 worker processes, against the same 20 trained one after another in one
 * thread. Prints JSON. Not a test:
 *   node --import tsx --conditions=source packages/queue/test/bench-queue.ts [UNITS]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addKeys, initRun, trainGenerators } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { startRedis } from '@attrib/testing/redis-server';
import { testHost, TINY_OPTIONS, writeRunFixture } from '@attrib/testing/run-fixture';
import { copyRun } from '@attrib/testing/three-key-run';
import { parseQueueUrl, queueDispatcher } from '../src/index.js';

const UNITS = Number(process.argv[2] ?? 20);
const OPTIONS = { ...TINY_OPTIONS.generators, epochs: 2, stepsPerEpoch: 10 };
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'worker-child.ts');

function startWorker(url: string, log: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', CHILD, url, '30000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolveReady) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const line of parts) {
        log.push(line);
        if (line === 'ready') resolveReady(child);
      }
    });
  });
}

await useBackend('cpu');
const host = await testHost();
const fixture = await writeRunFixture(128);
const base = join(fixture.dir, 'base');
await initRun(host, { dir: base, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 11, options: TINY_OPTIONS.first });
await addKeys(host, { dir: base, count: UNITS, options: TINY_OPTIONS.keys });
const redis = await startRedis();
const address = parseQueueUrl(redis.url);
const results: Record<string, unknown> = { units: UNITS, options: OPTIONS };

const here = await copyRun(base, 'here');
let started = Date.now();
await trainGenerators(host, { dir: here, options: OPTIONS, workers: 1 });
results.oneThreadSeconds = (Date.now() - started) / 1000;

for (const count of [1, 2]) {
  const dir = await copyRun(base, `queue-${count}`);
  const log: string[] = [];
  const workers = await Promise.all(Array.from({ length: count }, () => startWorker(redis.url, log)));
  started = Date.now();
  await trainGenerators(host, { dir, options: OPTIONS, dispatcher: queueDispatcher(address) });
  const wall = (Date.now() - started) / 1000;
  const unitSeconds = log.flatMap((l) => /done in ([\d.]+) s/.exec(l)?.[1] ?? []).map(Number);
  const busy = unitSeconds.reduce((a, b) => a + b, 0);
  results[`workers${count}`] = {
    wallSeconds: wall,
    unitsPerHour: Math.round((UNITS / wall) * 3600),
    meanUnitSeconds: busy / unitSeconds.length,
    // Worker time not spent in a unit's thread (taking it, reporting, recording), per unit.
    overheadSecondsPerUnit: (wall * count - busy) / UNITS,
  };
  for (const w of workers) w.kill('SIGKILL');
}
await redis.stop();
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(0);
