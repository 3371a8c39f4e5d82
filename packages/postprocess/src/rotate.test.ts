import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { rotateFactory, rotateImages } from './rotate.js';
import { fixtureTensor, gradientCheck, randomImages, readFixture, seededContext, type FixtureArray } from '@attrib/testing/postprocess';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

interface RotateCase { degrees: number; input: FixtureArray; expected: FixtureArray }
const fixture = readFixture<{ cases: RotateCase[] }>('rotate.json');

beforeAll(() => useBackend('cpu'));

describe('rotateImages', () => {
  it('matches Pillow Image.rotate(BILINEAR, fillcolor=-1) on float images', () => {
    for (const c of fixture.cases) {
      const out = tf.tidy(() => rotateImages(fixtureTensor(c.input), c.degrees).dataSync());
      const expected = tf.tidy(() => fixtureTensor(c.expected).dataSync());
      expect(maxAbsDiff(out, expected), `${c.degrees} degrees, shape ${c.input.shape}`).toBeLessThan(1e-5);
    }
  });

  it('is the identity at 0 degrees and a pixel permutation at 180', () => {
    const x = randomImages([1, 6, 8, 2], 1);
    const [same, turned, flipped] = tf.tidy(() => [
      rotateImages(x, 0).dataSync(), rotateImages(x, 180).dataSync(), tf.reverse(x, [1, 2]).dataSync(),
    ]);
    expect(maxAbsDiff(same!, x.dataSync())).toBeLessThan(1e-6);
    expect(maxAbsDiff(turned!, flipped!)).toBeLessThan(1e-5);
    x.dispose();
  });
});

describe('rotate post-process', () => {
  it('evaluates at 45 degrees and trains with an angle drawn from [0, 45]', () => {
    const rotate = rotateFactory.create();
    expect(rotate.params).toEqual({ degrees: 45, trainDegreesRange: [0, 45], fill: -1 });
    expect(rotateFactory.strength).toEqual({ param: 'degrees', weakest: 0, strongest: 45 });
    const x = randomImages([1, 12, 12, 1], 2);
    const evalOut = tf.tidy(() => (rotate.apply(x, seededContext('eval')) as tf.Tensor).dataSync());
    expect(maxAbsDiff(evalOut, tf.tidy(() => rotateImages(x, 45).dataSync()))).toBe(0);
    // One training call draws uniform() once: the same angle as low + (high - low) * u.
    const trained = tf.tidy(() => (rotateFactory.create({ trainDegreesRange: [10, 20] }).apply(x, seededContext('train', 5)) as tf.Tensor).dataSync());
    const u = seededContext('train', 5).rng.uniform();
    expect(maxAbsDiff(trained, tf.tidy(() => rotateImages(x, 10 + 10 * u).dataSync()))).toBe(0);
    x.dispose();
  });

  it('validates its parameters', () => {
    expect(() => rotateFactory.create({ degrees: 400 })).toThrow('rotate: parameter "degrees" expects a number in [-360, 360], got 400');
    expect(() => rotateFactory.create({ fill: 2 })).toThrow('rotate: parameter "fill" expects a number in [-1, 1], got 2');
    expect(() => rotateFactory.create({ angle: 3 })).toThrow(/rotate: unknown parameter "angle"/);
  });

  it('passes gradients: tf.grad equals central differences', () => {
    const rotate = rotateFactory.create({ degrees: 30 });
    const x = randomImages([2, 10, 12, 3], 4);
    const check = gradientCheck((input) => rotate.apply(input, seededContext('eval')) as tf.Tensor4D, x);
    for (let k = 0; k < check.indices.length; k++) {
      expect(Math.abs(check.analytic[k]! - check.numeric[k]!), `index ${check.indices[k]}`).toBeLessThan(5e-4);
    }
    expect(Math.max(...check.analytic.map(Math.abs))).toBeGreaterThan(0.05);
    // The written-out gradient leaves no tensor behind.
    const gradient = (): void => { tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(rotateImages(input as tf.Tensor4D, 30)))(x).dataSync()); };
    gradient();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) gradient();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
