import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '@attrib/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pganAdapter } from './adapter.js';
import { PganGenerator } from './generator.js';
import { importPganReference } from './reference.js';
import { fixture } from '@attrib/testing/pgan';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

// scripts/make_parity_fixtures.py built a 3-scale (4, 8, 16 px) generator of the GAN zoo's
// definition in PyTorch, saved it in the zoo's checkpoint layout and recorded its outputs.

/** Our images (NHWC) in the reference's NCHW layout, as a flat array. */
function nchw(images: tf.Tensor4D): Float32Array {
  return tf.tidy(() => tf.transpose(images, [0, 3, 1, 2]).dataSync() as Float32Array);
}

async function outputsOf(generator: PganGenerator): Promise<Float32Array> {
  const latents = await readNpy(fixture('latents.npy'));
  const z = tf.tensor(latents.values, [...latents.shape]);
  const images = generator.generate(z);
  const out = nchw(images);
  tf.dispose([z, images]);
  return out;
}

describe.each(['cpu', 'wasm'] as const)('PGAN parity with PyTorch (%s backend)', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('loads the zoo checkpoint unchanged (config object, netG) and matches its outputs to 1e-4', async () => {
    const g = await importPganReference(fixture('pgan_small.pth'));
    try {
      expect(g.config).toEqual({
        dimLatent: 12, depthScale0: 16, depthOtherScales: [16, 8], dimOutput: 3, leakyReluLeak: 0.2,
        perChannelNormalization: true, equalizedlR: true, alpha: 0, generationActivation: 'none', seed: 0,
      });
      expect(g.imageShape).toEqual({ height: 16, width: 16, channels: 3 });
      expect(g.mode).toBe('eval');
      const reference = await readNpy(fixture('out_netG.npy'));
      expect(reference.shape).toEqual([4, 3, 16, 16]);
      expect(maxAbsDiff(await outputsOf(g), reference.values)).toBeLessThan(1e-4);
    } finally {
      g.dispose();
    }
  });

  it('loads avgG on request, through the adapter', async () => {
    const g = (await pganAdapter.importReference!(fixture('pgan_small.pth'), undefined, { weights: 'avgG' })) as PganGenerator;
    try {
      expect(maxAbsDiff(await outputsOf(g), (await readNpy(fixture('out_avgG.npy'))).values)).toBeLessThan(1e-4);
    } finally {
      g.dispose();
    }
  });

  it('blends the last two scales with alpha as the zoo does', async () => {
    const loaded = await importPganReference(fixture('pgan_small.pth'));
    const blended = pganAdapter.create({ ...loaded.config, alpha: 0.4 }) as PganGenerator;
    const state = loaded.state();
    try {
      blended.loadState(state);
      expect(maxAbsDiff(await outputsOf(blended), (await readNpy(fixture('out_netG_alpha.npy'))).values)).toBeLessThan(1e-4);
    } finally {
      tf.dispose(Object.values(state));
      loaded.dispose();
      blended.dispose();
    }
  });
});

describe('importing other checkpoint shapes', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('reads a bare state dict with pre-.module. names, inferring the architecture from its shapes', async () => {
    const g = await importPganReference(fixture('pgan_netG_only.pth'));
    try {
      expect(g.config).toMatchObject({ dimLatent: 12, depthScale0: 16, depthOtherScales: [16, 8], dimOutput: 3 });
      expect(maxAbsDiff(await outputsOf(g), (await readNpy(fixture('out_netG.npy'))).values)).toBeLessThan(1e-4);
    } finally {
      g.dispose();
    }
  });

  it('refuses avgG from a bare state dict and unknown options', async () => {
    await expect(importPganReference(fixture('pgan_netG_only.pth'), { weights: 'avgG' })).rejects.toThrow(
      /pgan_netG_only\.pth: a bare state dict, not a zoo checkpoint with an avgG entry/,
    );
    await expect(pganAdapter.importReference!(fixture('pgan_small.pth'), undefined, { weight: 'avgG' })).rejects.toThrow(
      "pgan: unknown import option 'weight' (known: weights)",
    );
  });

  it('names a truncated checkpoint', async () => {
    const bytes = await readFile(fixture('pgan_small.pth'));
    const dir = await mkdtemp(join(tmpdir(), 'attrib-pgan-'));
    // Cut inside the storages (legacy format: they follow the pickles) and inside the pickle.
    for (const [name, length, message] of [
      ['cut-data.pth', bytes.length - 1000, /cut-data\.pth: truncated file \(storage \S+ needs \d+ more bytes\)/],
      ['cut-pickle.pth', 500, /cut-pickle\.pth: truncated pickle/],
    ] as const) {
      await writeFile(join(dir, name), bytes.subarray(0, length));
      await expect(importPganReference(join(dir, name))).rejects.toThrow(message);
    }
  });

  it('names the missing tensor of a checkpoint of another architecture', async () => {
    const other = fixture('../../core/src/torch/fixtures/module_state_zip.pth');
    await expect(importPganReference(other)).rejects.toThrow(/module_state_zip\.pth: no tensor formatLayer\.module\.weight; not a GAN zoo PGAN generator/);
  });

  it('names a tensor whose shape disagrees with the config, with both shapes', async () => {
    const g = await importPganReference(fixture('pgan_small.pth'));
    const state = g.state();
    try {
      const wrong = { ...state, 'toRGBLayers.2.module.weight': tf.zeros([3, 16, 1, 1]) };
      expect(() => g.loadState(wrong)).toThrow("pgan: entry 'toRGBLayers.2.module.weight' has shape [3, 16, 1, 1]; expected [3, 8, 1, 1]");
      wrong['toRGBLayers.2.module.weight'].dispose();
      const missing = { ...state };
      delete missing['groupScale0.0.module.bias'];
      expect(() => g.loadState(missing)).toThrow("pgan: state has no entry 'groupScale0.0.module.bias' (expected shape [16])");
      const extra = { ...state, 'scaleLayers.2.0.module.weight': state['scaleLayers.1.0.module.weight']! };
      expect(() => g.loadState(extra)).toThrow("pgan: state has an unexpected entry 'scaleLayers.2.0.module.weight'");
    } finally {
      tf.dispose(Object.values(state));
      g.dispose();
    }
  });
});
