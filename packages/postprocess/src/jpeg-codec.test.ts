import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { readPng } from '@attrib/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { combinationCodecFactory } from './combination-codec.js';
import { applyChain } from './combination.js';
import { BlurPostProcess, blurParams } from './blur.js';
import { CropPostProcess, cropParams } from './crop.js';
import { NoisePostProcess, noiseParams } from './noise.js';
import { encodeJpeg, fromUint8, jpegCodecFactory, jpegRoundTrip, toUint8 } from './jpeg-codec.js';
import { fixturePath, randomImages, readFixture, seededContext } from '@attrib/testing/postprocess';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

interface PsnrTable {
  photos: Record<string, { channels: 1 | 3; subsampling420: Record<string, number>; subsampling444: Record<string, number> }>;
}
const pillow = readFixture<PsnrTable>('jpeg-psnr.json');
const QUALITIES = [10, 30, 50, 75, 90, 100];

beforeAll(() => useBackend('cpu'));

async function photo(name: string, channels: 1 | 3): Promise<{ tensor: tf.Tensor4D; pixels: Uint8Array }> {
  const image = await readPng(fixturePath(`photos/${name}.png`), channels);
  const tensor = tf.tensor4d(Float32Array.from(image.data, fromUint8), [1, image.height, image.width, channels]);
  return { tensor, pixels: image.data };
}

function psnr(values: ArrayLike<number>, original: Uint8Array): number {
  let mse = 0;
  for (let i = 0; i < original.length; i++) mse += (toUint8(values[i]!) - original[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (mse / original.length));
}

describe('8-bit mapping', () => {
  it('maps [-1, 1] to 0..255 and back exactly on the 8-bit grid', () => {
    expect([-1, -0.5, 0, 1, 1.5, -3].map(toUint8)).toEqual([0, 64, 128, 255, 255, 0]);
    for (let p = 0; p < 256; p++) expect(toUint8(fromUint8(p))).toBe(p);
  });
});

describe('jpeg-codec post-process', () => {
  it('defaults to quality 75 with 4:2:0 subsampling, like the reference Pillow step', () => {
    const codec = jpegCodecFactory.create();
    expect(codec.params).toEqual({ quality: 75, chromaSubsampling: '4:2:0' });
    expect(codec.differentiable).toBe(false);
  });

  it('validates its parameters', () => {
    expect(() => jpegCodecFactory.create({ quality: 0 })).toThrow('jpeg-codec: parameter "quality" expects an integer in [1, 100], got 0');
    expect(() => jpegCodecFactory.create({ quality: 75.5 })).toThrow(/parameter "quality" expects an integer/);
    expect(() => jpegCodecFactory.create({ chromaSubsampling: '4:1:1' })).toThrow(
      'jpeg-codec: parameter "chromaSubsampling" expects \'4:2:0\' or \'4:4:4\', got "4:1:1"');
    expect(() => jpegCodecFactory.create({ coefficients: [1, 1, 1] })).toThrow(/jpeg-codec: unknown parameter "coefficients"/);
  });

  for (const [name, entry] of Object.entries(pillow.photos)) {
    it(`${name}: PSNR rises with quality, is plausible at 75, near-lossless at 100, and equals Pillow's`, async () => {
      const { tensor, pixels } = await photo(name, entry.channels);
      for (const subsampling of ['4:2:0', '4:4:4'] as const) {
        const reference = subsampling === '4:2:0' ? entry.subsampling420 : entry.subsampling444;
        const measured: number[] = [];
        for (const quality of QUALITIES) {
          const out = await jpegCodecFactory.create({ quality, chromaSubsampling: subsampling }).apply(tensor, seededContext('eval'));
          measured.push(psnr(out.dataSync(), pixels));
          out.dispose();
        }
        for (let i = 1; i < measured.length; i++) expect(measured[i]).toBeGreaterThan(measured[i - 1]!);
        // Quality 75 on small natural photos: high 20s to mid 30s dB.
        expect(measured[3]).toBeGreaterThan(27);
        expect(measured[3]).toBeLessThan(37);
        if (entry.channels === 1 || subsampling === '4:4:4') expect(measured[5]).toBeGreaterThan(48);
        // libjpeg (Pillow) and libvips/mozjpeg (sharp) share the baseline tables and DCT.
        QUALITIES.forEach((q, i) => expect(Math.abs(measured[i]! - reference[String(q)]!), `quality ${q} ${subsampling}`).toBeLessThan(0.1));
      }
      tensor.dispose();
    });
  }

  it('codes grey images as greyscale JPEG and keeps batch order and shape', async () => {
    const { tensor: grey } = await photo('camera', 1);
    const { tensor: rgb } = await photo('astronaut', 3);
    const batch = tf.concat([rgb, tf.reverse(rgb, 2)]) as tf.Tensor4D;
    const out = await jpegRoundTrip(batch, { quality: 90, chromaSubsampling: '4:2:0' });
    expect(out.shape).toEqual([2, 96, 96, 3]);
    const [first, second] = tf.unstack(out);
    // Each image comes back as its own, not its neighbour's.
    expect(maxAbsDiff(first!.dataSync(), rgb.dataSync())).toBeLessThan(maxAbsDiff(second!.dataSync(), rgb.dataSync()));
    const pixels = new Uint8Array(96 * 96);
    grey.dataSync().forEach((v, i) => { pixels[i] = toUint8(v); });
    const jpeg = await encodeJpeg(pixels, { height: 96, width: 96, channels: 1 }, 75, '4:2:0');
    expect((await sharp(jpeg).metadata()).channels).toBe(1);
    tf.dispose([grey, rgb, batch, out, first!, second!]);
  });
});

describe('combination-codec post-process', () => {
  it('has blur, crop, noise (std 0.1) and a quality 75 JPEG as defaults', () => {
    const combination = combinationCodecFactory.create();
    expect(combination.differentiable).toBe(false);
    expect(combination.params).toMatchObject({
      probability: 0.5, 'blur.sigma': 3, 'crop.ratio': 0.8, 'noise.std': 0.1, 'jpeg.quality': 75, 'jpeg.chromaSubsampling': '4:2:0',
    });
    expect(combinationCodecFactory.defaults).toEqual(combination.params);
    expect(() => combinationCodecFactory.create({ 'jpeg.coefficients': [1, 1, 1] })).toThrow(
      /combination-codec: unknown parameter "jpeg.coefficients" \(expected one of: jpeg.quality, jpeg.chromaSubsampling\)/);
  });

  it('equals blur, crop and noise followed by the real codec', async () => {
    const params = { 'blur.kernelSize': 9, 'blur.sigma': 1, 'jpeg.quality': 60 };
    const x = randomImages([2, 24, 24, 3], 15);
    const out = await combinationCodecFactory.create(params).apply(x, seededContext('eval', 3));
    const parts = [
      new BlurPostProcess(blurParams.read('test', { kernelSize: 9, sigma: 1 })),
      new CropPostProcess(cropParams.read('test')),
      new NoisePostProcess(noiseParams.read('test', { std: 0.1 })),
    ];
    const degraded = applyChain(parts, x, seededContext('eval', 3), 0.5);
    const expected = await jpegRoundTrip(degraded, { quality: 60, chromaSubsampling: '4:2:0' });
    expect(maxAbsDiff(out.dataSync(), expected.dataSync())).toBe(0);
    // The codec is lossy: the result is not the degraded image itself.
    expect(maxAbsDiff(out.dataSync(), degraded.dataSync())).toBeGreaterThan(0.01);
    tf.dispose([x, out, degraded, expected]);
  });
});
