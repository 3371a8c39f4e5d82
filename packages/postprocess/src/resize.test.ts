import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { reducedSize, resizeDownUp, resizeFactory } from './resize.js';
import { pillowBilinearMatrix } from './resample.js';
import { fixtureTensor, gradientCheck, randomImages, readFixture, seededContext, type FixtureArray } from '@attrib/testing/postprocess';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

const fixture = readFixture<{ cases: { scale: number; input: FixtureArray; expected: FixtureArray }[] }>('resize.json');

beforeAll(() => useBackend('cpu'));

describe('resize down and up', () => {
  it('matches Pillow Image.resize(BILINEAR) down to int(scale * side) and back, on float images', () => {
    for (const c of fixture.cases) {
      const out = tf.tidy(() => resizeDownUp(fixtureTensor(c.input), c.scale).dataSync());
      const expected = tf.tidy(() => fixtureTensor(c.expected).dataSync());
      expect(maxAbsDiff(out, expected), `scale ${c.scale}, shape ${c.input.shape}`).toBeLessThan(1e-5);
    }
  });

  it('halving averages pixel pairs (the anti-aliased triangle at scale 2, closed form)', () => {
    // Pillow's bilinear from 8 to 4: centre 2o + 1, support 2, weights 1/8, 3/8, 3/8, 1/8 (cut at the edges).
    const m = pillowBilinearMatrix(4, 8);
    expect(Array.from(m.slice(8, 16)).map((v) => Math.round(v * 8))).toEqual([0, 1, 3, 3, 1, 0, 0, 0]);
    expect(Array.from(m.slice(0, 8)).map((v) => Math.round(v * 7))).toEqual([3, 3, 1, 0, 0, 0, 0, 0]);
    expect(reducedSize(32, 0.5)).toBe(16);
    expect(reducedSize(17, 0.3)).toBe(5);
    expect(reducedSize(3, 0.1)).toBe(1);
  });

  it('is the identity at scale 1 and evaluates at 0.5', () => {
    const x = randomImages([1, 9, 7, 2], 1);
    expect(maxAbsDiff(tf.tidy(() => resizeDownUp(x, 1).dataSync()), x.dataSync())).toBeLessThan(1e-6);
    const resize = resizeFactory.create();
    expect(resize.params).toEqual({ scale: 0.5, trainScaleRange: [0.5, 1] });
    expect(resizeFactory.strength).toEqual({ param: 'scale', weakest: 1, strongest: 0.5 });
    const out = tf.tidy(() => (resize.apply(x, seededContext('eval')) as tf.Tensor).dataSync());
    expect(maxAbsDiff(out, tf.tidy(() => resizeDownUp(x, 0.5).dataSync()))).toBe(0);
    expect(() => resizeFactory.create({ scale: 2 })).toThrow('resize: parameter "scale" expects a number in (0, 1], got 2');
    x.dispose();
  });

  it('passes gradients: tf.grad equals central differences', () => {
    const x = randomImages([2, 12, 10, 3], 4);
    const check = gradientCheck((input) => resizeFactory.create().apply(input, seededContext('train')) as tf.Tensor4D, x);
    for (let k = 0; k < check.indices.length; k++) {
      expect(Math.abs(check.analytic[k]! - check.numeric[k]!), `index ${check.indices[k]}`).toBeLessThan(5e-4);
    }
    expect(Math.max(...check.analytic.map(Math.abs))).toBeGreaterThan(0.05);
    x.dispose();
  });
});
