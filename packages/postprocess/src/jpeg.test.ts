import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dctBasis, zigzagOrder } from './dct.js';
import { jpegApproximation, jpegFactory } from './jpeg.js';
import { fixtureTensor, gradientCheck, randomImages, readFixture, seededContext, type FixtureArray } from '@attrib/testing/postprocess';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

interface JpegCase { coefficients: number[]; input: FixtureArray; expected: FixtureArray }
const fixture = readFixture<{ cases: JpegCase[] }>('jpeg.json');

beforeAll(() => useBackend('cpu'));

describe('DCT pieces', () => {
  it('walks the zig-zag order of the JPEG standard', () => {
    const order = zigzagOrder().map(([r, c]) => r * 8 + c);
    expect(order.slice(0, 16)).toEqual([0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5]);
    expect(order.slice(-6)).toEqual([61, 54, 47, 55, 62, 63]);
    expect(new Set(order).size).toBe(64);
  });

  it('has an orthonormal DCT basis', () => {
    const b = dctBasis();
    let worst = 0;
    for (let i = 0; i < 64; i++) {
      for (let j = 0; j < 64; j++) {
        let dot = 0;
        for (let k = 0; k < 64; k++) dot += b[i * 64 + k]! * b[j * 64 + k]!;
        worst = Math.max(worst, Math.abs(dot - (i === j ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });
});

describe('jpegApproximation', () => {
  it('matches the same transform written independently in PyTorch (padding, grey, coefficient counts)', () => {
    for (const c of fixture.cases) {
      const out = tf.tidy(() => jpegApproximation(fixtureTensor(c.input), c.coefficients).dataSync());
      const expected = tf.tidy(() => fixtureTensor(c.expected).dataSync());
      expect(out.length).toBe(expected.length);
      expect(maxAbsDiff(out, expected), `coefficients ${c.coefficients}, shape ${c.input.shape}`).toBeLessThan(1e-5);
    }
  });

  it('keeping every coefficient only leaves the rounding of the YUV coefficients', () => {
    const x = randomImages([1, 16, 16, 3], 8);
    const out = tf.tidy(() => jpegApproximation(x, [64, 64, 64]).dataSync());
    const d = maxAbsDiff(out, x.dataSync());
    expect(d).toBeLessThan(1e-4);
    expect(d).toBeGreaterThan(0);
    x.dispose();
  });

  it('keeps block means only with one coefficient per channel', () => {
    const x = randomImages([1, 8, 16, 1], 9);
    const out = tf.tidy(() => jpegApproximation(x, [1, 1, 1]).dataSync());
    const input = x.dataSync();
    for (const left of [0, 8]) {
      let mean = 0;
      for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) mean += input[r * 16 + left + c]! / 64;
      for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) expect(out[r * 16 + left + c]).toBeCloseTo(mean, 3);
    }
    x.dispose();
  });

  it('refuses images with 2 or 4 channels', () => {
    const x = tf.zeros([1, 8, 8, 4]) as tf.Tensor4D;
    expect(() => jpegApproximation(x, [25, 9, 9])).toThrow('jpeg: expects images with 1 or 3 channels, got 4');
    x.dispose();
  });
});

describe('jpeg post-process', () => {
  it('keeps 25, 9, 9 coefficients by default and takes others', () => {
    expect(jpegFactory.create().params).toEqual({ coefficients: [25, 9, 9] });
    expect(jpegFactory.create({ coefficients: '10,6,6' }).params).toEqual({ coefficients: [10, 6, 6] });
    expect(() => jpegFactory.create({ coefficients: [25, 9] })).toThrow(
      'jpeg: parameter "coefficients" expects three integers in [0, 64] (kept for Y, U, V), got [25,9]');
    expect(() => jpegFactory.create({ coefficients: [65, 9, 9] })).toThrow(/jpeg: parameter "coefficients"/);
    expect(() => jpegFactory.create({ quality: 75 })).toThrow(/jpeg: unknown parameter "quality"/);
  });

  it('passes gradients: tf.grad equals central differences (RGB, padded; grey)', () => {
    const jpeg = jpegFactory.create();
    for (const shape of [[2, 12, 10, 3], [1, 16, 16, 1]] as Array<[number, number, number, number]>) {
      const x = randomImages(shape, 10);
      const check = gradientCheck((input) => jpeg.apply(input, seededContext('train')) as tf.Tensor4D, x);
      for (let k = 0; k < check.indices.length; k++) {
        expect(Math.abs(check.analytic[k]! - check.numeric[k]!), `${shape}, index ${check.indices[k]}`).toBeLessThan(5e-4);
      }
      expect(Math.max(...check.analytic.map(Math.abs))).toBeGreaterThan(0.05);
      x.dispose();
    }
  });
});
