import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AttribPlugin } from '../../plugins/plugin.js';
import type { PluginHost } from '../../plugins/host.js';
import { useBackend } from '@attrib/testing/backend';
import { manifestOf, tensorsOf } from '@attrib/testing/run-files';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { copyRun, writeThreeKeyRun } from '@attrib/testing/three-key-run';
import type { TrainingEvent } from '../context.js';
import { trainRobust, type PostProcessRequest } from './train-robust.js';

let host: PluginHost;
let fixture: RunFixture;
/** A run with keys key-1, key-2 and key-3, each with its keyed generator, and no robust ones. */
let keyed: string;

/** Two labels of test-contrast: six (label, key) units. */
const TWO_LABELS: readonly PostProcessRequest[] = [{ name: 'test-contrast' }, { name: 'test-contrast', label: 'soft', params: { min: 0.8 } }];
const KEYS = ['key-1', 'key-2', 'key-3'];

beforeAll(async () => {
  await useBackend('cpu');
  host = await testHost();
  fixture = await writeRunFixture(128);
  keyed = await writeThreeKeyRun(host, fixture, 'keyed', 7, { generators: true });
});

/** Expects the robust generator, its training state and its sample grid of `label`/`id` to be the same in both runs. */
async function expectSameRobust(expectedRun: string, actualRun: string, label: string, id: string): Promise<void> {
  const expected = await tensorsOf(join(expectedRun, 'generators', id, `robust-${label}.ckpt`));
  expect(Object.keys(expected).length).toBeGreaterThan(0);
  expect(await tensorsOf(join(actualRun, 'generators', id, `robust-${label}.ckpt`))).toEqual(expected);
  const state = join('generators', id, `robust-${label}.state.ckpt`);
  expect(await tensorsOf(join(actualRun, state))).toEqual(await tensorsOf(join(expectedRun, state)));
  const grid = join('samples', `${id}-robust-${label}.png`);
  expect(await readFile(join(actualRun, grid))).toEqual(await readFile(join(expectedRun, grid)));
}

/**
 * A third-party plugin module (written to `file`) with post-process `test-flagged`: multiplies by
 * 0.9, and throws while the file named by its `flag` parameter exists.
 */
async function writeFlaggedPlugin(file: string): Promise<AttribPlugin> {
  await writeFile(file, `import { existsSync } from 'node:fs';
export default {
  register(r) {
    r.postProcess({
      name: 'test-flagged', description: 'x 0.9; throws while its flag file exists', defaults: { flag: '' },
      create: (params = {}) => ({
        name: 'test-flagged', params: { flag: String(params.flag ?? '') }, differentiable: true,
        apply(images) {
          if (existsSync(String(params.flag))) throw new Error('flagged post-process: flag file present');
          return r.tf.mul(images, 0.9);
        },
      }),
    });
  },
};
`);
  return ((await import(file)) as { default: AttribPlugin }).default;
}

describe('robust generators trained in worker threads', () => {
  let sequentialRun: string;

  it('are exactly those of one thread, listed in the manifest as one thread lists them, with no tensor left in this thread', async () => {
    sequentialRun = await copyRun(keyed, 'robust-here');
    const threads = await copyRun(keyed, 'robust-threads');
    const sequential = await trainRobust(host, { dir: sequentialRun, postProcesses: TWO_LABELS, options: TINY_OPTIONS.robust, workers: 1 });
    const events: TrainingEvent[] = [];
    const before = tf.memory().numTensors;
    const parallel = await trainRobust(host, { dir: threads, postProcesses: TWO_LABELS, options: TINY_OPTIONS.robust, workers: 2 }, { onEvent: (e) => events.push(e) });
    expect(tf.memory().numTensors).toBe(before);
    const units = ['test-contrast', 'soft'].flatMap((label) => KEYS.map((id) => `${label}/${id}`));
    expect(sequential.trained).toEqual(units);
    expect(parallel.trained).toEqual(units);
    for (const label of ['test-contrast', 'soft']) {
      for (const id of KEYS) await expectSameRobust(sequentialRun, threads, label, id);
    }
    const [m, expected] = [await manifestOf(threads), await manifestOf(sequentialRun)];
    expect(m.robust).toEqual({ 'test-contrast': KEYS, soft: KEYS });
    expect(m.robust).toEqual(expected.robust);
    expect(m.pending).toBeUndefined();
    for (const unit of units) expect(m.progress[`robust/${unit}`]).toMatchObject({ stage: 'robust', epochs: 2, epochsDone: 2, done: true });
    // Every unit's events reach this thread's hooks, tagged with its unit.
    const steps = (unit: string) => events.filter((e) => e.type === 'step' && e.unit === unit).length;
    expect(units.map((unit) => steps(`robust/${unit}`))).toEqual(units.map(() => 6));
  });

  it('a failing worker is a one-line error naming its key; finished units stay recorded and the job resumes in workers', async () => {
    const module = join(fixture.dir, 'flagged-post-process.mjs');
    const flag = join(fixture.dir, 'flagged.on');
    await writeFile(flag, '');
    const withFlagged = await testHost();
    await withFlagged.register(await writeFlaggedPlugin(module), { name: 'flagged-post-process', entry: module });
    const dir = await copyRun(keyed, 'robust-failing');
    const postProcesses = [{ name: 'test-contrast' }, { name: 'test-flagged', params: { flag } }];
    const before = tf.memory().numTensors;
    const error = await trainRobust(withFlagged, { dir, postProcesses, options: TINY_OPTIONS.robust, workers: 2 }).then(() => undefined, (e: Error) => e);
    expect(tf.memory().numTensors).toBe(before);
    expect(error).toBeInstanceOf(Error);
    // Units go out in the job's order, two at a time: test-flagged's first unit (key-1) starts once
    // two test-contrast units have finished, its second (key-2) once three have.
    expect(error!.message).toMatch(/^generator of key-[12] robust to test-flagged failed: flagged post-process: flag file present$/);
    let m = await manifestOf(dir);
    expect(m.pending).toMatchObject({ stage: 'robust', keys: KEYS });
    const finished = m.robust['test-contrast']!;
    expect(finished.length).toBeGreaterThanOrEqual(2);
    expect(KEYS).toEqual(expect.arrayContaining(finished));
    expect(m.robust['test-flagged']).toBeUndefined();
    for (const id of finished) await expectSameRobust(sequentialRun, dir, 'test-contrast', id);

    await rm(flag);
    // The training kernels run in the workers, not here.
    const profile = await tf.profile(async () => {
      const resumed = await trainRobust(withFlagged, { dir, postProcesses: [], resume: true, workers: 2 });
      expect(resumed.trained).toEqual(expect.arrayContaining(KEYS.map((id) => `test-flagged/${id}`)));
    });
    expect(profile.kernels.length).toBeLessThan(50);
    m = await manifestOf(dir);
    expect(m.robust).toEqual({ 'test-contrast': KEYS, 'test-flagged': KEYS });
    expect(m.pending).toBeUndefined();
    // Resumed units end as uninterrupted ones do.
    for (const id of KEYS) await expectSameRobust(sequentialRun, dir, 'test-contrast', id);
  });

  it('a bad worker count is the same one-line error as for generators, before anything is recorded', async () => {
    const request = { dir: keyed, postProcesses: [{ name: 'test-contrast' }] };
    await expect(trainRobust(host, { ...request, workers: 0 })).rejects.toThrow('workers 0: expected a positive whole number of worker threads');
    const services = {
      adapter: (name: string) => host.adapter(name), imageSource: (name: string) => host.imageSource(name),
      postProcess: (name: string) => host.postProcess(name), metric: (name: string) => host.metric(name),
    };
    await expect(trainRobust(services, { ...request, workers: 2 })).rejects.toThrow(
      "workers 2: the run's plugins were not registered from modules a worker thread could load; use workers 1",
    );
    const m = await manifestOf(keyed);
    expect(m.pending).toBeUndefined();
    expect(m.robust).toEqual({});
  });
});
