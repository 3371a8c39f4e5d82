import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '@attrib/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDcganReference } from './reference-import.js';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

// scripts/make_parity_fixtures.py built the reference DCGAN generators in PyTorch (nz 16, ngf 3),
// saved their state dicts and recorded eval-mode outputs for given latents.
const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures');
const fixture = (name: string): string => join(FIXTURES, name);


/** Runs the imported generator on the fixture's latents; returns max |ours - PyTorch| over NCHW outputs. */
async function parity(file: string, variant: string): Promise<number> {
  const g = await importDcganReference(fixture(file));
  try {
    const latents = await readNpy(fixture(`${variant}_latents.npy`));
    const reference = await readNpy(fixture(`${variant}_out.npy`));
    const z = tf.tensor(latents.values, [...latents.shape]);
    const images = g.generate(z);
    const nchw = tf.transpose(images, [0, 3, 1, 2]);
    expect(nchw.shape).toEqual(reference.shape);
    const diff = maxAbsDiff(nchw.dataSync(), reference.values);
    tf.dispose([z, images, nchw]);
    return diff;
  } finally {
    g.dispose();
  }
}

describe.each(['cpu', 'wasm'] as const)('DCGAN parity with PyTorch (%s backend)', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it.each(['dcgan32_c1', 'dcgan32_c3', 'dcgan64_c1', 'dcgan64_c3'])('%s: reference state dict in, outputs within 1e-4', async (variant) => {
    expect(await parity(`${variant}.pth`, variant)).toBeLessThan(1e-4);
  });
});

describe('DCGAN reference import', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('reads the architecture off the tensors', async () => {
    const g = await importDcganReference(fixture('dcgan64_c3.pth'));
    expect(g.config).toMatchObject({ resolution: 64, channels: 3, nz: 16, ngf: 3 });
    expect(g.mode).toBe('eval');
    g.dispose();
  });

  it('accepts a state dict saved from nn.DataParallel', async () => {
    expect(await parity('dcgan32_c1_dataparallel.pth', 'dcgan32_c1')).toBeLessThan(1e-4);
  });

  it('names the tensor and both shapes when the weights do not fit the architecture', async () => {
    await expect(importDcganReference(fixture('dcgan32_c1.pth'), { ngf: 4 })).rejects.toThrow(
      /dcgan32_c1\.pth: dcgan: entry 'convT1\.weight' has shape \[16, 12, 4, 4\]; expected \[16, 16, 4, 4\]/,
    );
  });

  it('names a truncated file', async () => {
    const bytes = await readFile(fixture('dcgan64_c1.pth'));
    const cut = join(await mkdtemp(join(tmpdir(), 'attrib-dcgan-')), 'cut.pth');
    await writeFile(cut, bytes.subarray(0, bytes.length - 100));
    await expect(importDcganReference(cut)).rejects.toThrow(/cut\.pth: damaged zip archive/);
  });

  it('names the file and the missing tensor for a checkpoint of another architecture', async () => {
    await expect(importDcganReference(fixture('../../adapter-pgan/fixtures/pgan_small.pth'))).rejects.toThrow(
      /pgan_small\.pth: no tensor convT1\.weight; not a reference DCGAN generator$/,
    );
  });
});
