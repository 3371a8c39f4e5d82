import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { blurFactory, gaussianBlur } from './blur.js';
import { gaussianKernel } from './gaussian.js';
import { fixtureTensor, gradientCheck, randomImages, readFixture, seededContext, type FixtureArray } from '@attrib/testing/postprocess';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

interface BlurCase { kernelSize: number; sigma: number; kernel: number[]; input: FixtureArray; expected: FixtureArray }
const fixture = readFixture<{ cases: BlurCase[] }>('blur.json');

beforeAll(() => useBackend('cpu'));

describe('gaussianKernel', () => {
  it('equals the closed form exp(-x^2 / (2 sigma^2)) / sum, taps centred on the middle', () => {
    for (const [size, sigma] of [[3, 1 / 3], [9, 1], [15, 5 / 3], [19, 7 / 3], [25, 3]] as const) {
      const half = (size - 1) / 2;
      const closed = Array.from({ length: size }, (_, i) => Math.exp(-((i - half) ** 2) / (2 * sigma * sigma)));
      const total = closed.reduce((a, b) => a + b, 0);
      const kernel = gaussianKernel(size, sigma);
      expect(maxAbsDiff(kernel, closed.map((v) => v / total))).toBeLessThan(1e-15);
    }
  });

  it('equals the kernel of the PyTorch fixture (kornia definition)', () => {
    for (const c of fixture.cases) {
      expect(maxAbsDiff(gaussianKernel(c.kernelSize, c.sigma), c.kernel)).toBeLessThan(1e-12);
    }
  });

  it('rejects even or non-positive sizes and sigma <= 0', () => {
    expect(() => gaussianKernel(4, 1)).toThrow(/odd positive integer, got 4/);
    expect(() => gaussianKernel(3, 0)).toThrow(/sigma must be > 0/);
  });
});

describe('gaussianBlur', () => {
  it('matches F.pad(reflect) + depthwise conv2d computed by PyTorch', () => {
    for (const c of fixture.cases) {
      const out = tf.tidy(() => gaussianBlur(fixtureTensor(c.input), c.kernelSize, c.sigma).dataSync());
      const expected = tf.tidy(() => fixtureTensor(c.expected).dataSync());
      expect(maxAbsDiff(out, expected), `kernel ${c.kernelSize}, shape ${c.input.shape}`).toBeLessThan(2e-6);
    }
  });

  it('keeps a constant image constant (weights sum to one, borders reflected)', () => {
    const out = tf.tidy(() => gaussianBlur(tf.fill([1, 16, 16, 3], 0.25) as tf.Tensor4D, 25, 3).dataSync());
    expect(maxAbsDiff(out, new Float32Array(out.length).fill(0.25))).toBeLessThan(1e-6);
  });

  it('refuses images narrower than the kernel half-width + 1, naming both', () => {
    const x = tf.zeros([1, 12, 12, 1]) as tf.Tensor4D;
    expect(() => gaussianBlur(x, 25, 3)).toThrow(/kernel of size 25 needs images of at least 13 pixels per side, got 12/);
    x.dispose();
  });
});

describe('blur post-process', () => {
  it('has the reference defaults', () => {
    const blur = blurFactory.create();
    expect(blur.params).toEqual({
      sigma: 3, kernelSize: 25, trainSigmas: [1 / 3, 1, 5 / 3, 7 / 3, 3], trainKernelSizes: [3, 9, 15, 19, 25],
    });
    expect(blur.differentiable).toBe(true);
  });

  it('evaluates at sigma 3, kernel 25 and trains with one drawn pair per call', () => {
    const blur = blurFactory.create();
    const x = randomImages([1, 16, 16, 1], 1);
    const evalOut = tf.tidy(() => (blur.apply(x, seededContext('eval')) as tf.Tensor).dataSync());
    expect(maxAbsDiff(evalOut, tf.tidy(() => gaussianBlur(x, 25, 3).dataSync()))).toBe(0);
    const candidates = [[3, 1 / 3], [9, 1], [15, 5 / 3], [19, 7 / 3], [25, 3]].map(([k, s]) =>
      tf.tidy(() => gaussianBlur(x, k!, s!).dataSync()));
    const seen = new Set<number>();
    for (let seed = 0; seed < 40; seed++) {
      const out = tf.tidy(() => (blur.apply(x, seededContext('train', seed)) as tf.Tensor).dataSync());
      const match = candidates.findIndex((c) => maxAbsDiff(c, out) === 0);
      expect(match).toBeGreaterThanOrEqual(0);
      seen.add(match);
    }
    expect(seen.size).toBe(5);
    x.dispose();
  });

  it('takes its parameters and validates them', () => {
    expect(blurFactory.create({ sigma: '1.5', kernelSize: 7 }).params).toMatchObject({ sigma: 1.5, kernelSize: 7 });
    expect(blurFactory.create({ trainSigmas: '1,2', trainKernelSizes: [5, 9] }).params).toMatchObject({
      trainSigmas: [1, 2], trainKernelSizes: [5, 9],
    });
    expect(() => blurFactory.create({ kernelSize: 8 })).toThrow('blur: parameter "kernelSize" expects an odd integer >= 1, got 8');
    expect(() => blurFactory.create({ sigma: -1 })).toThrow('blur: parameter "sigma" expects a number > 0, got -1');
    expect(() => blurFactory.create({ radius: 2 })).toThrow(/blur: unknown parameter "radius" \(expected one of: sigma, kernelSize/);
    expect(() => blurFactory.create({ trainSigmas: [1, 2] })).toThrow(
      'blur: parameter "trainKernelSizes" expects one kernel size per entry of trainSigmas (2)');
  });

  it('passes gradients: tf.grad equals central differences', () => {
    const blur = blurFactory.create();
    const x = randomImages([2, 16, 16, 1], 5);
    const check = gradientCheck((input) => blur.apply(input, seededContext('eval')) as tf.Tensor4D, x);
    for (let k = 0; k < check.indices.length; k++) {
      expect(Math.abs(check.analytic[k]! - check.numeric[k]!), `index ${check.indices[k]}`).toBeLessThan(5e-4);
    }
    // The gradient must be more than trivially small for the comparison to mean anything.
    expect(Math.max(...check.analytic.map(Math.abs))).toBeGreaterThan(0.05);
    x.dispose();
  });
});
