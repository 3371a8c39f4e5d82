import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../io/checkpoint.js';
import { RunFolder, type RunManifest } from '../../io/run-folder.js';
import { readPng } from '../../io/png.js';
import { LinearKey } from '../../keys/linear-key.js';
import { saveKey } from '../../keys/key-file.js';
import type { PluginHost } from '../../plugins/host.js';
import { useBackend } from '@attrib/testing/backend';
import { expectRejectsUnchanged } from '@attrib/testing/disk-unchanged';
import { snapshot, testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { createRng } from '../../util/rng.js';
import { addKeys } from './add-keys.js';
import { evaluateRun } from './evaluate-run.js';
import { initRun } from './init-run.js';
import { trainGenerators } from './train-generators.js';
import { trainRobust } from './train-robust.js';

let host: PluginHost;
let fixture: RunFixture;
let run: string;
beforeAll(async () => {
  await useBackend('cpu');
  host = await testHost();
  fixture = await writeRunFixture(128);
  run = join(fixture.dir, 'run');
});

const initRequest = () => ({
  dir: run, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 3,
  options: TINY_OPTIONS.first,
});

async function manifest(): Promise<RunManifest> {
  return JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8')) as RunManifest;
}

describe('a run folder through every stage', () => {
  it('keys init writes the manifest, key-1, its generator, state, sample grids and key image', async () => {
    const before = tf.memory().numTensors;
    const result = await initRun(host, initRequest());
    expect(result.key).toBe('key-1');
    const m = await manifest();
    expect(m).toMatchObject({ format: 'attrib-run/1', seed: 3, adapter: 'test-dense', keys: ['key-1'], generators: ['key-1'], backend: 'cpu' });
    expect(m.imageShape).toEqual({ height: 16, width: 16, channels: 1 });
    expect(m.root.source).toBe(fixture.rootFile);
    expect(m.root.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.versions.tfjs).toBe(tf.version_core);
    expect(m.progress.first).toMatchObject({ stage: 'first', epochs: 2, epochsDone: 2, done: true });
    expect(m.pending).toBeUndefined();
    expect((m.config.first as { epochs: number }).epochs).toBe(2);
    const files = Object.keys(await snapshot(run)).sort();
    expect(files).toEqual([
      'generators/key-1/first.state.ckpt', 'generators/key-1/generator.ckpt', 'keys/key-1.json', 'keys/key-1.png',
      'manifest.json', 'samples/key-1.png', 'samples/root.png',
    ]);
    const state = await loadCheckpoint(join(run, 'generators/key-1/first.state.ckpt'));
    expect(state.meta).toMatchObject({ kind: 'training-state', unit: 'first', epochsDone: 2, done: true });
    expect(Object.keys(state.tensors)).toEqual(expect.arrayContaining(['key', 'adam.key.step', 'adam.generator.m.0', 'generator.dense.weight', 'generator.bn.running_mean']));
    tf.dispose(Object.values(state.tensors));
    const grid = await readPng(join(run, 'samples/root.png'), 1);
    expect([grid.width, grid.height]).toEqual([8 * 18 + 2, 8 * 18 + 2]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the key image maps 0 to mid-grey and the largest |entry| to black or white', async () => {
    const image = await readPng(join(run, 'keys/key-1.png'), 1);
    const key = await (await RunFolder.open(run)).readKey('key-1');
    const values = key.vector.dataSync();
    const scale = Math.max(...Array.from(values, Math.abs));
    Array.from(values as Float32Array).forEach((v, i) => expect(image.data[i]).toBe(Math.round(127.5 + 127.5 * (v / scale))));
    key.dispose();
  });

  it('keys add, generators train, robust train and evaluate extend the same folder', async () => {
    const added = await addKeys(host, { dir: run, count: 2, options: TINY_OPTIONS.keys });
    expect(added.added).toEqual(['key-2', 'key-3']);
    const generators = await trainGenerators(host, { dir: run, options: TINY_OPTIONS.generators });
    expect(generators.trained).toEqual(['key-2', 'key-3']);
    expect(generators.reports['key-2']).toHaveProperty('keyedShare');
    const robust = await trainRobust(host, { dir: run, postProcesses: [{ name: 'test-contrast' }], options: TINY_OPTIONS.robust });
    expect(robust.trained).toEqual(['test-contrast/key-1', 'test-contrast/key-2', 'test-contrast/key-3']);
    const plain = await evaluateRun(host, { dir: run, samples: 40, metrics: ['distinguishability', 'attributability', 'quality'] });
    expect(plain.label).toBe('plain');
    const attacked = await evaluateRun(host, { dir: run, samples: 40, postProcess: { name: 'test-contrast' }, metrics: ['distinguishability'] });
    expect(attacked.label).toBe('robust-test-contrast+test-contrast');
    const metrics = JSON.parse(await readFile(join(run, 'metrics.json'), 'utf8'));
    expect(Object.keys(metrics)).toEqual(['plain', 'robust-test-contrast+test-contrast']);
    expect(metrics.plain.keys).toEqual(['key-1', 'key-2', 'key-3']);
    expect(metrics.plain.results.distinguishability.summary.mean).toBeGreaterThan(0);
    expect(metrics['robust-test-contrast+test-contrast'].postProcess).toEqual({ name: 'test-contrast', params: { min: 0.5 } });
    // Another metric later keeps the earlier ones of the same entry; another setting replaces the entry.
    const more = await evaluateRun(host, { dir: run, samples: 40, metrics: ['attribution-matrix'] });
    expect(Object.keys(more.record.results)).toEqual(['attribution-matrix']);
    const kept = JSON.parse(await readFile(join(run, 'metrics.json'), 'utf8'));
    expect(Object.keys(kept.plain.results)).toEqual(['distinguishability', 'attributability', 'quality', 'attribution-matrix']);
    expect(kept.plain.results.distinguishability).toEqual(metrics.plain.results.distinguishability);
    await evaluateRun(host, { dir: run, samples: 40, postProcess: { name: 'test-contrast', params: { min: 0.7 } }, metrics: ['attributability'] });
    const replaced = JSON.parse(await readFile(join(run, 'metrics.json'), 'utf8'));
    expect(Object.keys(replaced['robust-test-contrast+test-contrast'].results)).toEqual(['attributability']);
    const m = await manifest();
    expect(m.keys).toEqual(['key-1', 'key-2', 'key-3']);
    expect(m.generators).toEqual(['key-1', 'key-2', 'key-3']);
    expect(m.robust).toEqual({ 'test-contrast': ['key-1', 'key-2', 'key-3'] });
    expect(Object.keys(m.progress).sort()).toEqual([
      'first', 'generators/key-2', 'generators/key-3', 'keys/key-2', 'keys/key-3',
      'robust/test-contrast/key-1', 'robust/test-contrast/key-2', 'robust/test-contrast/key-3',
    ]);
    const files = Object.keys(await snapshot(run));
    expect(files).toEqual(expect.arrayContaining(['generators/key-2/robust-test-contrast.ckpt', 'samples/key-3-robust-test-contrast.png', 'keys/key-3.state.ckpt']));
    expect(files.filter((f) => f.includes('.attrib-tmp-'))).toEqual([]);
  });
});

describe('bad input is a one-line error that changes nothing on disk', () => {
  const unchanged = (action: () => Promise<unknown>, message: string | RegExp) => expectRejectsUnchanged(fixture.dir, action, message);

  it('a missing run folder', async () => {
    await unchanged(() => addKeys(host, { dir: join(fixture.dir, 'nope'), count: 1 }), /run folder .*nope does not exist; create it with `attrib keys init`/);
  });

  it('negative or fractional counts', async () => {
    await unchanged(() => addKeys(host, { dir: run, count: -2 }), 'count -2: expected a positive integer number of keys to add');
    await unchanged(() => addKeys(host, { dir: run, count: 1.5 }), 'count 1.5: expected a positive integer');
  });

  it('an unknown post-process, or one robust training cannot use', async () => {
    await unchanged(() => trainRobust(host, { dir: run, postProcesses: [{ name: 'blurr' }] }), /Unknown post-process "blurr"; available: test-contrast, test-posterize/);
    await unchanged(() => trainRobust(host, { dir: run, postProcesses: [{ name: 'test-posterize' }] }), 'post-process test-posterize is not differentiable; robust training needs one that gradients can flow through');
    await unchanged(() => evaluateRun(host, { dir: run, postProcess: { name: 'jpg' } }), /Unknown post-process "jpg"/);
  });

  it('a key of the wrong size for the generator', async () => {
    const file = join(run, 'keys/key-3.json');
    const original = await readFile(file);
    const small = new LinearKey('key-3', { height: 4, width: 4, channels: 1 }, LinearKey.random('x', { height: 4, width: 4, channels: 1 }, createRng(1)).vector.clone() as tf.Tensor1D);
    await saveKey(file, small);
    small.dispose();
    try {
      await unchanged(() => evaluateRun(host, { dir: run, samples: 10 }), /keys\/key-3\.json: key of 4x4x1 images; the run's generators make 16x16x1/);
      await unchanged(() => trainRobust(host, { dir: run, postProcesses: [{ name: 'test-contrast' }], keys: ['key-3'] }), /key of 4x4x1 images/);
    } finally {
      await writeFile(file, original);
    }
  });

  it('an unreadable checkpoint', async () => {
    const file = join(run, 'generators/key-2/generator.ckpt');
    const original = await readFile(file);
    await writeFile(file, original.subarray(0, 100));
    try {
      await unchanged(() => evaluateRun(host, { dir: run, samples: 10 }), /generators\/key-2\/generator\.ckpt: not an attrib checkpoint \(truncated header\)/);
    } finally {
      await writeFile(file, original);
    }
    const badRoot = join(fixture.dir, 'bad-root.ckpt');
    await writeFile(badRoot, 'not a checkpoint');
    await unchanged(
      () => initRun(host, { ...initRequest(), dir: join(fixture.dir, 'other-run'), root: badRoot }),
      /bad-root\.ckpt: not an attrib checkpoint \(no ATTRIBCK signature\), and adapter test-dense reads no reference format/,
    );
    await rm(badRoot);
  });

  it('an existing run, a data file of the wrong shape, an unknown adapter, a bad option', async () => {
    await unchanged(() => initRun(host, initRequest()), /already holds a run \(manifest\.json\); pass --resume/);
    const other = join(fixture.dir, 'other-run');
    await unchanged(() => initRun(host, { ...initRequest(), dir: other, adapter: 'dcgam' }), /Unknown adapter "dcgam"; available: test-dense/);
    await unchanged(() => initRun(host, { ...initRequest(), dir: other, options: { batchSize: 0 } }), 'first option batchSize: got 0, expected a positive integer');
    const wrong = join(fixture.dir, 'wrong.json');
    await writeFile(wrong, JSON.stringify({ shape: { height: 8, width: 8, channels: 1 }, values: new Array(64).fill(0) }));
    await unchanged(() => initRun(host, { ...initRequest(), dir: other, data: { source: 'test-json', path: wrong } }), /wrong\.json: images are 8x8x1; expected 16x16x1/);
    await rm(wrong);
  });

  it('a changed root checkpoint', async () => {
    const original = await readFile(fixture.rootFile);
    const altered = Buffer.from(original);
    altered[altered.length - 1] ^= 1;
    await writeFile(fixture.rootFile, altered);
    try {
      await unchanged(() => evaluateRun(host, { dir: run, samples: 10 }), /root\.ckpt changed since the run was made/);
    } finally {
      await writeFile(fixture.rootFile, original);
    }
  });
});
