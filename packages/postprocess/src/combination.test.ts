import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianBlur } from './blur.js';
import { applyChain, combinationFactory } from './combination.js';
import { centreCropResize } from './crop.js';
import { jpegApproximation } from './jpeg.js';
import { addClampedNoise } from './noise.js';
import { fixtureTensor, gradientCheck, randomImages, readFixture, seededContext, type FixtureArray } from '@attrib/testing/postprocess';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

interface CombinationCase { params: Record<string, number>; input: FixtureArray; expected: FixtureArray }
const fixture = readFixture<{ cases: CombinationCase[] }>('combination.json');

beforeAll(() => useBackend('cpu'));

describe('combination post-process', () => {
  it('has the reference defaults: each part its own, noise std 0.1, probability 0.5', () => {
    expect(combinationFactory.create().params).toEqual({
      probability: 0.5,
      'blur.sigma': 3, 'blur.kernelSize': 25,
      'blur.trainSigmas': [1 / 3, 1, 5 / 3, 7 / 3, 3], 'blur.trainKernelSizes': [3, 9, 15, 19, 25],
      'crop.ratio': 0.8, 'crop.trainRatioRange': [0.8, 1],
      'noise.std': 0.1, 'noise.trainStdRange': [0, 0.1],
      'jpeg.coefficients': [25, 9, 9],
    });
    expect(combinationFactory.defaults).toEqual(combinationFactory.create().params);
  });

  it('applies blur, crop, noise and JPEG in that order in evaluation (PyTorch fixture, noise off)', () => {
    for (const c of fixture.cases) {
      const combination = combinationFactory.create(c.params);
      const out = tf.tidy(() => (combination.apply(fixtureTensor(c.input), seededContext('eval')) as tf.Tensor).dataSync());
      const expected = tf.tidy(() => fixtureTensor(c.expected).dataSync());
      expect(maxAbsDiff(out, expected), `shape ${c.input.shape}`).toBeLessThan(1e-5);
    }
  });

  it('applies the noise part with its own seed from the context', () => {
    const combination = combinationFactory.create({ 'blur.kernelSize': 3, 'blur.sigma': 1 });
    const x = randomImages([1, 16, 16, 3], 12);
    const out = tf.tidy(() => (combination.apply(x, seededContext('eval', 4)) as tf.Tensor).dataSync());
    // The same draws, step by step: eval mode draws nothing but the noise seed.
    const seed = seededContext('eval', 4).rng.seed();
    const expected = tf.tidy(() =>
      jpegApproximation(addClampedNoise(centreCropResize(gaussianBlur(x, 3, 1), 0.8), 0.1, seed), [25, 9, 9]).dataSync());
    expect(maxAbsDiff(out, expected)).toBeLessThan(1e-6);
    x.dispose();
  });

  it('applyChain: training applies each part with the probability, independently; evaluation all', () => {
    const counts = [0, 0, 0, 0];
    const parts = counts.map((_, i) => ({
      apply: (images: tf.Tensor4D) => { counts[i]!++; return tf.add(images, 1) as tf.Tensor4D; },
    }));
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    let allFour = 0;
    const calls = 400;
    for (let seed = 0; seed < calls; seed++) {
      const before = counts.reduce((a, b) => a + b, 0);
      tf.dispose(applyChain(parts, x, seededContext('train', seed), 0.5));
      if (counts.reduce((a, b) => a + b, 0) - before === 4) allFour++;
    }
    for (const c of counts) expect(Math.abs(c / calls - 0.5)).toBeLessThan(0.07);
    expect(Math.abs(allFour / calls - 1 / 16)).toBeLessThan(0.04);

    counts.fill(0);
    const out = applyChain(parts, x, seededContext('eval'), 0.5);
    expect(counts).toEqual([1, 1, 1, 1]);
    expect(Array.from(out.dataSync())).toEqual([4, 4, 4, 4]);
    out.dispose();

    // Nothing applied: a copy of the input, which the caller may dispose on its own.
    const copy = applyChain(parts, x, seededContext('train'), 0);
    expect(copy).not.toBe(x);
    expect(Array.from(copy.dataSync())).toEqual([0, 0, 0, 0]);
    copy.dispose();
    x.dispose();
  });

  it('in training leaves an image untouched only when no part was drawn (about 1 call in 16)', () => {
    const x = randomImages([1, 16, 16, 1], 13);
    const half = combinationFactory.create();
    let untouched = 0;
    const calls = 160;
    for (let seed = 0; seed < calls; seed++) {
      const y = tf.tidy(() => (half.apply(x, seededContext('train', seed)) as tf.Tensor).dataSync());
      if (maxAbsDiff(y, x.dataSync()) === 0) untouched++;
    }
    expect(untouched).toBeGreaterThan(0);
    expect(untouched / calls).toBeLessThan(0.15);
    x.dispose();
  });

  it('validates prefixed parameters and names them as written', () => {
    expect(() => combinationFactory.create({ 'noise.std': -1 })).toThrow(
      'combination: parameter "noise.std" expects a number >= 0, got -1');
    expect(() => combinationFactory.create({ 'blur.radius': 1 })).toThrow(
      /combination: unknown parameter "blur.radius" \(expected one of: blur.sigma, blur.kernelSize/);
    expect(() => combinationFactory.create({ sigma: 1 })).toThrow(
      'combination: unknown parameter "sigma" (expected one of: probability, blur.*, crop.*, noise.*, jpeg.*)');
    expect(() => combinationFactory.create({ probability: 2 })).toThrow(
      'combination: parameter "probability" expects a number in [0, 1], got 2');
  });

  it('passes gradients: tf.grad equals central differences (evaluation and training draws)', () => {
    const combination = combinationFactory.create({ 'blur.kernelSize': 9, 'blur.sigma': 1, 'noise.std': 0.05 });
    const x = randomImages([1, 16, 16, 3], 14, -0.6, 0.6);
    for (const [mode, seed] of [['eval', 1], ['train', 2], ['train', 5]] as const) {
      const check = gradientCheck((input) => combination.apply(input, seededContext(mode, seed)) as tf.Tensor4D, x, { eps: 1e-3 });
      for (let k = 0; k < check.indices.length; k++) {
        expect(Math.abs(check.analytic[k]! - check.numeric[k]!), `${mode} ${seed}, index ${check.indices[k]}`).toBeLessThan(5e-4);
      }
      expect(Math.max(...check.analytic.map(Math.abs))).toBeGreaterThan(0.01);
    }
    x.dispose();
  });
});
