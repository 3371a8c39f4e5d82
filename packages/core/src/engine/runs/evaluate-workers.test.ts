import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { distinguishability } from '../../metrics/distinguishability.js';
import { psnr, quality, ssim } from '../../metrics/quality.js';
import type { PluginHost } from '../../plugins/host.js';
import { useBackend } from '@attrib/testing/backend';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { copyRun, writeThreeKeyRun } from '@attrib/testing/three-key-run';
import { evaluateRun } from './evaluate-run.js';
import { metricOutline } from './evaluation-subjects.js';
import { metricTasks } from './workers/metric-threads.js';
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

const METRICS = ['distinguishability', 'attributability', 'attribution-matrix', 'quality', 'psnr', 'ssim', 'fid'];

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

  it('floor: in worker threads exactly as in one; a default metric without a post-process, left out under one', async () => {
    const request = { samples: 30, metrics: ['floor', 'quality'], samplesByMetric: { floor: 50 } };
    const sequential = await evaluateRun(host, { dir: await copyRun(run, 'floor-here'), ...request, workers: 1 });
    const parallel = await evaluateRun(host, { dir: await copyRun(run, 'floor-threads'), ...request, workers: 2 });
    expect(parallel.record.results).toEqual(sequential.record.results);
    expect(sequential.record.results.floor!.details).toMatchObject({ samples: 50 });
    const defaults = await evaluateRun(host, { dir: await copyRun(run, 'floor-defaults'), samples: 20, workers: 1 });
    expect(Object.keys(defaults.record.results)).toContain('floor');
    const processed = await evaluateRun(host, { dir: await copyRun(run, 'floor-pp'), samples: 20, postProcess: { name: 'test-contrast' }, workers: 1 });
    expect(Object.keys(processed.record.results)).not.toContain('floor');
  });

  it('a metric or a part of one failing in a worker is a one-line error naming the metric, and metrics.json is left as it was', async () => {
    const dir = await copyRun(run, 'failing');
    const module = join(fixture.dir, 'failing-metric.mjs');
    await writeFile(module, [
      'export default { register(registrar) {',
      "  registrar.metric({ name: 'test-fails', description: 'always fails', async compute() { throw new Error('no such feature network\\nat line 2'); } });",
      "  registrar.metric({ name: 'test-part-fails', description: 'its second part fails', async compute() { return { summary: {} }; }, parts: {",
      '    count: () => 2,',
      "    async compute(ctx, index) { if (index === 1) throw new Error('part 1 ran out of memory'); return index; },",
      "    combine: () => ({ summary: {} }),",
      '  } });',
      "  registrar.metric({ name: 'test-combine-fails', description: 'its parts do not combine', async compute() { return { summary: {} }; }, parts: {",
      '    count: () => 2,',
      '    async compute(ctx, index) { return index; },',
      "    combine() { throw new Error('partials\\ndisagree'); },",
      '  } });',
      '} };',
    ].join('\n'));
    const failing = await testHost();
    await failing.register((await import(module)).default, { name: 'failing-metric', entry: module });
    const before = await readFile(join(dir, 'metrics.json'), 'utf8').catch(() => null);
    const error = await evaluateRun(failing, { dir, samples: 20, metrics: ['distinguishability', 'test-fails'], workers: 2 }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toBe('metric test-fails failed: no such feature network at line 2');
    const partError = await evaluateRun(failing, { dir, samples: 20, metrics: ['distinguishability', 'test-part-fails'], workers: 2 }).then(() => undefined, (e: Error) => e);
    expect(partError?.message).toBe('metric test-part-fails failed: part 1 ran out of memory');
    const combineError = await evaluateRun(failing, { dir, samples: 20, metrics: ['test-combine-fails'], workers: 2 }).then(() => undefined, (e: Error) => e);
    expect(combineError?.message).toBe('metric test-combine-fails failed: partials disagree');
    expect(await readFile(join(dir, 'metrics.json'), 'utf8').catch(() => null)).toBe(before);
  });
});

describe('metrics in parts', () => {
  it('tasks: every part of the metrics that split, then the whole ones, each in the order asked for', () => {
    const plan = { ids: ['key-1', 'key-2'], variant: 'plain', batchSize: 100 };
    const request = (metric: typeof quality, samples?: number) => ({ metric, outline: metricOutline(plan, undefined, samples) });
    const tasks = metricTasks([request(distinguishability, 30), request(quality, 6000), request(psnr), request(ssim, 5001)]);
    expect(tasks).toEqual([
      ...[0, 1, 2].map((index) => ({ metric: 'quality', samples: 6000, part: { index, count: 3 } })),
      ...[0, 1, 2].map((index) => ({ metric: 'ssim', samples: 5001, part: { index, count: 3 } })),
      { metric: 'distinguishability', samples: 30 },
      { metric: 'psnr', samples: undefined },
    ]);
  });

  it('split across threads, beside a third-party metric without parts: the results of one thread, progress per metric to its total', async () => {
    const module = join(fixture.dir, 'root-mean-metric.mjs');
    await writeFile(module, [
      'export default { register(r) {',
      '  const tf = r.tf;',
      "  r.metric({ name: 'test-root-mean', description: 'mean pixel of the root', async compute(ctx) {",
      "    const images = tf.tidy(() => ctx.root.generate(ctx.root.sampleInputs(ctx.samples ?? 10, ctx.rng.fork('test-root-mean'))));",
      '    const mean = tf.tidy(() => tf.mean(images).dataSync()[0]);',
      '    images.dispose();',
      '    ctx.progress?.(1, 1);',
      '    return { summary: { mean }, details: { keys: ctx.keys.map((k) => k.id) } };',
      '  } });',
      '} };',
    ].join('\n'));
    const withPlugin = await testHost();
    await withPlugin.register((await import(module)).default, { name: 'root-mean-metric', entry: module });
    const metrics = ['psnr', 'test-root-mean', 'quality', 'ssim'];
    // Parts of quality: 24, 24 and 25 batches; of PSNR: 13 and 13; of SSIM: 13 and 13, the last batch of 50.
    const request = {
      metrics, samples: 40, samplesByMetric: { quality: 7300, psnr: 2600, ssim: 2550 }, batchSize: 100, postProcess: { name: 'test-contrast' },
    };
    type Notes = Record<string, [number, number][]>;
    const noting = (notes: Notes) => ({ onMetricProgress: (metric: string, done: number, total: number) => void (notes[metric] ??= []).push([done, total]) });
    const sequentialNotes: Notes = {};
    const sequential = await evaluateRun(withPlugin, { dir: await copyRun(run, 'parts-here'), ...request, workers: 1 }, noting(sequentialNotes));
    const parallelNotes: Notes = {};
    const before = tf.memory().numTensors;
    const parallel = await evaluateRun(withPlugin, { dir: await copyRun(run, 'parts-threads'), ...request, workers: 2 }, noting(parallelNotes));
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(parallel.record.results)).toEqual(metrics);
    expect(parallel.record.results).toEqual(sequential.record.results);
    expect(parallel.record.results['test-root-mean']!.details).toEqual({ keys: ['key-1', 'key-2', 'key-3'] });
    expect(parallel.record.results['quality']!.details!['postProcess']).toBe('test-contrast');
    for (const metric of metrics) {
      const notes = parallelNotes[metric]!;
      const total = sequentialNotes[metric]!.at(-1)![1];
      expect(notes.every(([, t]) => t === total)).toBe(true);
      expect(notes.every(([done], i) => i === 0 || done >= notes[i - 1]![0])).toBe(true);
      expect(notes.at(-1)).toEqual([total, total]);
    }
    expect([sequentialNotes['quality']!.at(-1), sequentialNotes['ssim']!.at(-1)]).toEqual([[73, 73], [26, 26]]);
  });
});
