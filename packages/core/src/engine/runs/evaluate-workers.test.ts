import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PluginHost } from '../../plugins/host.js';
import { useBackend } from '../../test-support/backend.js';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '../../test-support/run-fixture.js';
import { copyRun, writeThreeKeyRun } from '../../test-support/three-key-run.js';
import { evaluateRun } from './evaluate-run.js';
import { trainRobust } from './train-robust.js';

let host: PluginHost;
let fixture: RunFixture;
/** A run with 3 keys, their generators and generators robust to test-contrast. */
let run: string;

beforeAll(async () => {
  await useBackend('cpu');
  host = await testHost();
  fixture = await writeRunFixture(128);
  run = await writeThreeKeyRun(host, fixture, 'run', 9, { generators: true });
  await trainRobust(host, { dir: run, postProcesses: [{ name: 'test-contrast' }], options: TINY_OPTIONS.robust, workers: 1 });
});

const METRICS = ['distinguishability', 'attributability', 'attribution-matrix', 'quality', 'psnr', 'ssim'];

describe('metrics computed in worker threads', () => {
  it('give exactly the results of one thread, in the order asked for, with progress and no tensor left here', async () => {
    for (const postProcess of [undefined, { name: 'test-contrast' }]) {
      const here = await copyRun(run, `here-${postProcess?.name ?? 'plain'}`);
      const threads = await copyRun(run, `threads-${postProcess?.name ?? 'plain'}`);
      const request = { samples: 30, metrics: METRICS, samplesByMetric: { quality: 50 }, ...(postProcess ? { postProcess } : {}) };
      const sequential = await evaluateRun(host, { dir: here, ...request, workers: 1 });
      const progress = new Set<string>();
      const before = tf.memory().numTensors;
      let parallel: Awaited<ReturnType<typeof evaluateRun>> | undefined;
      // The metrics' kernels run in the worker threads, not here.
      const profile = await tf.profile(async () => {
        parallel = await evaluateRun(host, { dir: threads, ...request, workers: 2 }, { onMetricProgress: (metric) => progress.add(metric) });
      });
      expect(profile.kernels.length).toBeLessThan(20);
      expect(tf.memory().numTensors).toBe(before);
      if (!parallel) throw new Error('no result');
      expect(parallel.label).toBe(sequential.label);
      expect(Object.keys(parallel.record.results)).toEqual(METRICS);
      expect(parallel.record.results).toEqual(sequential.record.results);
      expect([...progress].sort()).toEqual([...METRICS].sort());
      const written = JSON.parse(await readFile(join(threads, 'metrics.json'), 'utf8'));
      expect(written[parallel.label].results).toEqual(sequential.record.results);
    }
  });

  it('a metric failing in a worker is a one-line error naming it, and metrics.json is left as it was', async () => {
    const dir = await copyRun(run, 'failing');
    const module = join(fixture.dir, 'failing-metric.mjs');
    await writeFile(module, [
      'export default { register(registrar) {',
      "  registrar.metric({ name: 'test-fails', description: 'always fails', async compute() { throw new Error('no such feature network\\nat line 2'); } });",
      '} };',
    ].join('\n'));
    const failing = await testHost();
    await failing.register((await import(module)).default, { name: 'failing-metric', entry: module });
    const before = await readFile(join(dir, 'metrics.json'), 'utf8').catch(() => null);
    const error = await evaluateRun(failing, { dir, samples: 20, metrics: ['distinguishability', 'test-fails'], workers: 2 }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toBe('metric test-fails failed: no such feature network at line 2');
    expect(await readFile(join(dir, 'metrics.json'), 'utf8').catch(() => null)).toBe(before);
  });
});
