import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PluginHost } from '../../plugins/host.js';
import { useBackend } from '@attrib/testing/backend';
import { snapshot, testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { keyValuesOf, manifestOf, tensorsOf } from '@attrib/testing/run-files';
import type { TrainingEvent } from '../context.js';
import { addKeys } from './add-keys.js';
import { initRun } from './init-run.js';
import { runPipeline } from './run-pipeline.js';
import { trainGenerators } from './train-generators.js';

let host: PluginHost;
let fixture: RunFixture;
beforeAll(async () => {
  await useBackend('cpu');
  host = await testHost();
  fixture = await writeRunFixture(128);
});

const request = (dir: string) => ({
  dir, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 5, keys: 3,
  first: TINY_OPTIONS.first, moreKeys: TINY_OPTIONS.keys, generators: TINY_OPTIONS.generators,
  metrics: ['distinguishability', 'attributability'], samplesByMetric: { distinguishability: 40, attributability: 30 },
});

describe('runPipeline', () => {
  it('trains every stage and evaluates, exactly as the stage pipelines one after another would', async () => {
    const before = tf.memory().numTensors;
    const whole = join(fixture.dir, 'whole');
    const result = await runPipeline(host, request(whole));
    expect(result.trained).toEqual(['first', 'keys', 'generators']);
    expect(result.keys).toEqual(['key-1', 'key-2', 'key-3']);
    const m = await manifestOf(whole);
    expect(m.generators).toEqual(['key-1', 'key-2', 'key-3']);
    expect(m.pending).toBeUndefined();
    const results = result.evaluation.record.results;
    expect(Object.keys(results)).toEqual(['distinguishability', 'attributability']);
    // Each metric took its own sample count.
    expect(results.distinguishability!.details).toMatchObject({ generatedSamples: 40 });
    expect(results.attributability!.details).toMatchObject({ samples: 30 });
    expect(tf.memory().numTensors).toBe(before);

    const staged = join(fixture.dir, 'staged');
    const r = request(staged);
    await initRun(host, { dir: staged, adapter: r.adapter, root: r.root, data: r.data, seed: r.seed, options: r.first });
    await addKeys(host, { dir: staged, count: 2, options: r.moreKeys });
    await trainGenerators(host, { dir: staged, options: r.generators });
    const keys = await keyValuesOf(whole);
    expect(keys).toHaveLength(3);
    expect(keys).toEqual(await keyValuesOf(staged));
  });

  it('with resume, skips finished stages and adds only the missing keys and generators', async () => {
    const dir = join(fixture.dir, 'interrupted');
    const r = request(dir);
    await initRun(host, { dir, adapter: r.adapter, root: r.root, data: r.data, seed: r.seed, options: r.first });
    await addKeys(host, { dir, count: 1, options: r.moreKeys });
    const before = await snapshot(dir);
    const result = await runPipeline(host, { ...r, resume: true });
    expect(result.trained).toEqual(['keys', 'generators']);
    expect(result.keys).toEqual(['key-1', 'key-2', 'key-3']);
    const after = await snapshot(dir);
    for (const file of ['keys/key-1.json', 'keys/key-2.json', 'generators/key-1/generator.ckpt']) expect(after[file]).toBe(before[file]);
    const again = await runPipeline(host, { ...r, resume: true });
    expect(again.trained).toEqual([]);
  });

  it('refuses an existing run without resume, and a key count below 1, changing nothing', async () => {
    const dir = join(fixture.dir, 'whole');
    const before = await snapshot(dir);
    await expect(runPipeline(host, request(dir))).rejects.toThrow(/already holds a run.*--resume/);
    await expect(runPipeline(host, { ...request(join(fixture.dir, 'none')), keys: 0 })).rejects.toThrow(/keys 0: expected a positive integer/);
    expect(await snapshot(dir)).toEqual(before);
    expect(await snapshot(join(fixture.dir, 'none'))).toEqual({});
  });

  it("with 2 workers, trains each new key's generator in a worker while the next key trains: the same run as one thread", async () => {
    const sequential = join(fixture.dir, 'whole');
    const dir = join(fixture.dir, 'fed');
    const added: string[] = [];
    const result = await runPipeline(host, { ...request(dir), workers: 2 }, { onKeyAdded: (id) => added.push(id) });
    expect(added).toEqual(['key-2', 'key-3']);
    expect(result.trained).toEqual(['first', 'keys', 'generators']);
    const m = await manifestOf(dir);
    expect(m.generators).toEqual(['key-1', 'key-2', 'key-3']);
    expect(m.pending).toBeUndefined();
    expect(m.config['generators']).toEqual((await manifestOf(sequential)).config['generators']);
    expect(m.progress['generators/key-3']).toMatchObject({ stage: 'generators', epochsDone: 2, done: true });
    for (const id of ['key-2', 'key-3']) {
      expect(await tensorsOf(join(dir, 'generators', id, 'generator.ckpt'))).toEqual(await tensorsOf(join(sequential, 'generators', id, 'generator.ckpt')));
    }
    // Keys 2 and 3 trained on root images made ahead in a worker thread: the same keys.
    expect(await keyValuesOf(dir)).toEqual(await keyValuesOf(sequential));
    expect(result.evaluation.record.results).toEqual((await runPipeline(host, { ...request(sequential), resume: true })).evaluation.record.results);
  });

  it('interrupted in the first stage while a worker makes the keys\' root images, stops it and resumes to the same keys', async () => {
    const sequential = join(fixture.dir, 'whole');
    const dir = join(fixture.dir, 'first-interrupted');
    const crash = (e: TrainingEvent): void => {
      if (e.type === 'step' && e.unit === 'first' && e.epoch === 1) throw new Error('simulated crash');
    };
    await expect(runPipeline(host, { ...request(dir), workers: 2 }, { onEvent: crash })).rejects.toThrow('simulated crash');
    expect((await manifestOf(dir)).pending).toMatchObject({ stage: 'first' });
    const resumed = await runPipeline(host, { ...request(dir), workers: 2, resume: true });
    expect(resumed.trained).toEqual(['first', 'keys', 'generators']);
    expect(await keyValuesOf(dir)).toEqual(await keyValuesOf(sequential));
  });

  it('interrupted while keys train alongside their generators, resumes to the same run', async () => {
    const sequential = join(fixture.dir, 'whole');
    const dir = join(fixture.dir, 'fed-interrupted');
    const crash = (e: TrainingEvent): void => {
      if (e.type === 'step' && e.unit === 'keys/key-3') throw new Error('simulated crash');
    };
    await expect(runPipeline(host, { ...request(dir), workers: 2 }, { onEvent: crash })).rejects.toThrow('simulated crash');
    const interrupted = await manifestOf(dir);
    expect(interrupted.pending).toMatchObject({ stage: 'keys' });
    expect(interrupted.generators).toEqual(['key-1']);
    const resumed = await runPipeline(host, { ...request(dir), workers: 2, resume: true });
    expect(resumed.trained).toEqual(['keys', 'generators']);
    const m = await manifestOf(dir);
    expect(m.generators).toEqual(['key-1', 'key-2', 'key-3']);
    expect(m.pending).toBeUndefined();
    for (const id of ['key-2', 'key-3']) {
      expect(await tensorsOf(join(dir, 'generators', id, 'generator.ckpt'))).toEqual(await tensorsOf(join(sequential, 'generators', id, 'generator.ckpt')));
    }
  });
});
