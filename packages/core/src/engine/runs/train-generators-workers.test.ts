import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PluginHost } from '../../plugins/host.js';
import { useBackend } from '@attrib/testing/backend';
import { manifestOf, tensorsOf } from '@attrib/testing/run-files';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { copyRun, writeThreeKeyRun } from '@attrib/testing/three-key-run';
import type { TrainingEvent } from '../context.js';
import type { RunServices } from './services.js';
import { trainGenerators } from './train-generators.js';

let host: PluginHost;
let fixture: RunFixture;
/** A run with keys key-1 (and its generator, from keys init), key-2 and key-3 (no generators). */
let keysOnly: string;

beforeAll(async () => {
  await useBackend('cpu');
  host = await testHost();
  fixture = await writeRunFixture(128);
  keysOnly = await writeThreeKeyRun(host, fixture, 'keys-only', 5);
});

/** Runs `action` with ATTRIB_WORKERS (the default worker count; the test config sets it to 1) set to `value`. */
async function withWorkersEnv<T>(value: string, action: () => Promise<T>): Promise<T> {
  const previous = process.env.ATTRIB_WORKERS;
  process.env.ATTRIB_WORKERS = value;
  try {
    return await action();
  } finally {
    if (previous === undefined) delete process.env.ATTRIB_WORKERS;
    else process.env.ATTRIB_WORKERS = previous;
  }
}

describe('generators trained in worker threads', () => {
  it('give exactly the generators of one thread, listed in the manifest, with no tensor left in this thread', async () => {
    const here = await copyRun(keysOnly, 'here');
    const threads = await copyRun(keysOnly, 'threads');
    const sequential = await trainGenerators(host, { dir: here, options: TINY_OPTIONS.generators, workers: 1 });
    const events: TrainingEvent[] = [];
    const before = tf.memory().numTensors;
    const parallel = await trainGenerators(host, { dir: threads, options: TINY_OPTIONS.generators, workers: 2 }, { onEvent: (e) => events.push(e) });
    expect(tf.memory().numTensors).toBe(before);
    expect([...parallel.trained].sort()).toEqual(['key-2', 'key-3']);
    expect(parallel.reports).toEqual(sequential.reports);
    for (const id of ['key-2', 'key-3']) {
      const expected = await tensorsOf(join(here, 'generators', id, 'generator.ckpt'));
      expect(Object.keys(expected).length).toBeGreaterThan(0);
      expect(await tensorsOf(join(threads, 'generators', id, 'generator.ckpt'))).toEqual(expected);
      expect(await tensorsOf(join(threads, 'generators', id, 'generator.state.ckpt'))).toEqual(await tensorsOf(join(here, 'generators', id, 'generator.state.ckpt')));
      expect(await readFile(join(threads, 'samples', `${id}.png`))).toEqual(await readFile(join(here, 'samples', `${id}.png`)));
    }
    const m = await manifestOf(threads);
    expect(m.generators).toEqual(['key-1', 'key-2', 'key-3']);
    expect(m.pending).toBeUndefined();
    expect(m.progress['generators/key-2']).toMatchObject({ stage: 'generators', epochs: 2, epochsDone: 2, done: true });
    expect(m.progress['generators/key-3']).toMatchObject({ stage: 'generators', epochs: 2, epochsDone: 2, done: true });
    // Both units' events reach this thread's hooks, each tagged with its unit.
    const steps = (unit: string) => events.filter((e) => e.type === 'step' && e.unit === unit).length;
    expect([steps('generators/key-2'), steps('generators/key-3')]).toEqual([6, 6]);
  });

  it('with keepBest, each generator is checked against the keys before it, in workers as in one thread', async () => {
    const options = { ...TINY_OPTIONS.generators, keepBest: true };
    const sequential = await trainGenerators(host, { dir: await copyRun(keysOnly, 'best-here'), options, workers: 1 });
    const parallel = await trainGenerators(host, { dir: await copyRun(keysOnly, 'best-threads'), options, workers: 2 });
    expect(parallel.reports).toEqual(sequential.reports);
    for (const id of ['key-2', 'key-3']) {
      expect(sequential.reports[id]).toHaveProperty('attributable');
      expect(sequential.reports[id]!.keptEpoch).toBeGreaterThanOrEqual(1);
    }
  });

  it('a failing worker is a one-line error naming its key; the job stays resumable', async () => {
    const dir = await copyRun(keysOnly, 'failing');
    const badState = join(dir, 'generators', 'key-3', 'generator.state.ckpt');
    await mkdir(join(dir, 'generators', 'key-3'), { recursive: true });
    await writeFile(badState, 'not a checkpoint');
    const error = await trainGenerators(host, { dir, options: TINY_OPTIONS.generators, workers: 2 }).then(() => undefined, (e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(/^generator of key-3 failed: .*generators\/key-3\/generator\.state\.ckpt: not an attrib checkpoint/);
    expect(error!.message).not.toContain('\n');
    expect((await manifestOf(dir)).pending).toMatchObject({ stage: 'generators', keys: ['key-2', 'key-3'] });
    await rm(badState);
    const resumed = await trainGenerators(host, { dir, resume: true, workers: 1 });
    expect(resumed.trained).toContain('key-3');
    const m = await manifestOf(dir);
    expect(m.generators).toEqual(['key-1', 'key-2', 'key-3']);
    expect(m.pending).toBeUndefined();
  });

  it('a worker thread that stops without a word is a one-line error naming its key; ATTRIB_WORKERS sets the default', async () => {
    const dir = await copyRun(keysOnly, 'stopping');
    // A plugin that, loaded in a worker thread, ends that thread.
    const module = join(fixture.dir, 'stops-workers.mjs');
    await writeFile(module, "import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) process.exit(3);\nexport default { register() {} };\n");
    const stopping = await testHost();
    await stopping.register({ register() {} }, { name: 'stops-workers', entry: module });
    const error = await trainGenerators(stopping, { dir, options: TINY_OPTIONS.generators, workers: 2 }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/^generator of key-[23] failed: its worker thread stopped \(exit code 3\)$/);
    expect((await manifestOf(dir)).pending).toMatchObject({ stage: 'generators', keys: ['key-2', 'key-3'] });
    expect((await manifestOf(dir)).generators).toEqual(['key-1']);
    // Resumed with the default from ATTRIB_WORKERS: the training kernels run in the workers, not here.
    await withWorkersEnv('2', async () => {
      const profile = await tf.profile(async () => {
        expect((await trainGenerators(host, { dir, resume: true })).trained).toEqual(['key-2', 'key-3']);
      });
      expect(profile.kernels.length).toBeLessThan(50);
    });
    expect((await manifestOf(dir)).generators).toEqual(['key-1', 'key-2', 'key-3']);
  });

  it('a bad worker count, or workers for services a thread cannot rebuild, is a one-line error', async () => {
    await expect(trainGenerators(host, { dir: keysOnly, workers: 0 })).rejects.toThrow('workers 0: expected a positive whole number of worker threads');
    await expect(trainGenerators(host, { dir: keysOnly, workers: 1.5 })).rejects.toThrow('workers 1.5: expected a positive whole number');
    const services: RunServices = {
      adapter: (name) => host.adapter(name), imageSource: (name) => host.imageSource(name),
      postProcess: (name) => host.postProcess(name), metric: (name) => host.metric(name),
    };
    await expect(trainGenerators(services, { dir: keysOnly, workers: 2 })).rejects.toThrow(
      "workers 2: the run's plugins were not registered from modules a worker thread could load; use workers 1",
    );
    await withWorkersEnv('two', () => expect(trainGenerators(host, { dir: keysOnly })).rejects.toThrow('ATTRIB_WORKERS=two: expected a positive whole number of worker threads'));
    expect((await manifestOf(keysOnly)).pending).toBeUndefined();
  });
});
