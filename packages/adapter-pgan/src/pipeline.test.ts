import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, evaluateRun, runPipeline, trainRobust, writePng, type PluginHost, type RunManifest } from '@attrib/core';
import { testHost, TINY_OPTIONS } from '@attrib/testing/run-fixture';
import pganPlugin from './plugin.js';
import { fixture } from '@attrib/testing/pgan';
import { useBackend } from '@attrib/testing/backend';

// Every stage of the method over one run folder with a PGAN root: the reduced-width zoo
// checkpoint of the parity fixtures (16x16 RGB, latent 12), taken as the reference file itself.
// The real data is a folder of PNGs; robust training uses core's differentiable test post-process.
const SIDE = 16;

describe('the whole pipeline on a PGAN adapter', () => {
  let host: PluginHost;
  let dir: string;

  beforeAll(async () => {
    await useBackend('wasm');
    host = await testHost();
    await host.register(pganPlugin, { name: '@attrib/adapter-pgan', entry: fileURLToPath(new URL('./plugin.ts', import.meta.url)) });
    dir = await mkdtemp(join(tmpdir(), 'pgan-pipeline-'));
    await mkdir(join(dir, 'data'));
    const rng = createRng(9);
    for (let i = 0; i < 48; i++) {
      const data = Uint8Array.from({ length: SIDE * SIDE * 3 }, () => Math.floor(rng.uniform() * 256));
      await writePng(join(dir, 'data', `${String(i).padStart(3, '0')}.png`), { width: SIDE, height: SIDE, channels: 3, data });
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains 3 keys and keyed generators, robust generators, and evaluates them, leaving no tensors', async () => {
    const before = tf.memory().numTensors;
    const run = join(dir, 'run');
    const result = await runPipeline(host, {
      dir: run, adapter: 'pgan', root: fixture('pgan_small.pth'), data: { source: 'folder', path: join(dir, 'data') }, seed: 4, keys: 3,
      first: TINY_OPTIONS.first, moreKeys: TINY_OPTIONS.keys, generators: TINY_OPTIONS.generators,
      metrics: ['distinguishability', 'attributability', 'quality'], samplesByMetric: { distinguishability: 20, attributability: 20, quality: 20 },
    });
    expect(result.trained).toEqual(['first', 'keys', 'generators']);
    expect(result.keys).toEqual(['key-1', 'key-2', 'key-3']);
    const plain = result.evaluation.record.results;
    expect(plain.distinguishability!.details!.perKey).toHaveLength(3);
    // Each keyed generator moved away from the root (a positive mean L2 distance).
    expect(plain.quality!.summary.mean).toBeGreaterThan(0);

    const robust = await trainRobust(host, { dir: run, postProcesses: [{ name: 'test-contrast' }], options: TINY_OPTIONS.robust });
    expect(robust.trained).toEqual(['test-contrast/key-1', 'test-contrast/key-2', 'test-contrast/key-3']);
    const evaluated = await evaluateRun(host, {
      dir: run, postProcess: { name: 'test-contrast' }, metrics: ['distinguishability', 'attributability'], samples: 20,
    });
    expect(evaluated.record.generators).toBe('robust-test-contrast');
    const attributability = evaluated.record.results.attributability!.summary.mean!;
    expect(attributability).toBeGreaterThanOrEqual(0);
    expect(attributability).toBeLessThanOrEqual(1);

    const manifest = JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.adapter).toBe('pgan');
    expect(manifest.imageShape).toEqual({ height: SIDE, width: SIDE, channels: 3 });
    expect(manifest.generators).toEqual(['key-1', 'key-2', 'key-3']);
    expect(manifest.robust).toEqual({ 'test-contrast': ['key-1', 'key-2', 'key-3'] });
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it("trains with issue 21's projected objective (batch norm mode eval) and measures the floor, leaving no tensors", async () => {
    const before = tf.memory().numTensors;
    const projected = { objective: 'projected' as const, trainMode: 'eval' as const, alpha: 100 };
    const result = await runPipeline(host, {
      dir: join(dir, 'projected'), adapter: 'pgan', root: fixture('pgan_small.pth'), data: { source: 'folder', path: join(dir, 'data') }, seed: 4, keys: 2,
      first: { ...TINY_OPTIONS.first, ...projected }, moreKeys: TINY_OPTIONS.keys, generators: { ...TINY_OPTIONS.generators, ...projected },
      metrics: ['distinguishability', 'floor'], samplesByMetric: { distinguishability: 20, floor: 20 },
    });
    expect(result.trained).toEqual(['first', 'keys', 'generators']);
    const rows = result.evaluation.record.results.floor!.details!.perKey as { key: string; floor: number; l2: number; ratio: number }[];
    expect(rows.map((r) => r.key)).toEqual(['key-1', 'key-2']);
    for (const row of rows) {
      expect(row.floor).toBeGreaterThan(0);
      expect(row.l2).toBeGreaterThan(0);
      expect(row.ratio).toBe(row.l2 / row.floor);
    }
    const manifest = JSON.parse(await readFile(join(dir, 'projected', 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.config.generators).toMatchObject(projected);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
