import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cropResize, resizedCropFactory, scaledWindowSize, type CropWindow } from './resized-crop.js';
import { fixtureTensor, gradientCheck, randomImages, readFixture, seededContext, type FixtureArray } from '@attrib/testing/postprocess';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

interface Fixture {
  cases: { window: CropWindow; input: FixtureArray; expected: FixtureArray }[];
  torchvisionSides: { side: number; scale: number; window: number }[];
}
const fixture = readFixture<Fixture>('resized-crop.json');

beforeAll(() => useBackend('cpu'));

describe('resized crop', () => {
  it('crops a window and resizes it back like slicing + F.interpolate(bilinear, align_corners=False)', () => {
    for (const c of fixture.cases) {
      const out = tf.tidy(() => cropResize(fixtureTensor(c.input), c.window).dataSync());
      const expected = tf.tidy(() => fixtureTensor(c.expected).dataSync());
      expect(maxAbsDiff(out, expected), JSON.stringify(c.window)).toBeLessThan(2e-6);
    }
  });

  it('keeps a square window of torchvision RandomResizedCrop\'s side (ratio 1) on square images', () => {
    for (const { side, scale, window } of fixture.torchvisionSides) {
      expect(scaledWindowSize(side, side, scale), `${side} at ${scale}`).toEqual({ height: window, width: window });
    }
  });

  it('evaluates at scale 0.5 with the window drawn from the context, and trains with a drawn scale', () => {
    const crop = resizedCropFactory.create();
    expect(crop.params).toEqual({ scale: 0.5, trainScaleRange: [0.5, 1] });
    expect(resizedCropFactory.strength).toEqual({ param: 'scale', weakest: 1, strongest: 0.5 });
    const x = randomImages([1, 32, 32, 1], 3);
    // Eval: the window is 23 x 23 (round(sqrt(0.5) * 32)); its place comes from two int() draws.
    const rng = seededContext('eval', 9).rng;
    const window = { top: rng.int(32 - 23 + 1), left: rng.int(32 - 23 + 1), height: 23, width: 23 };
    const out = tf.tidy(() => (crop.apply(x, seededContext('eval', 9)) as tf.Tensor).dataSync());
    expect(maxAbsDiff(out, tf.tidy(() => cropResize(x, window).dataSync()))).toBe(0);
    // Train: every drawn window lies in [round(sqrt(0.5) * 32), 32] = [23, 32].
    const trainRng = seededContext('train', 4).rng;
    const side = scaledWindowSize(32, 32, 0.5 + 0.5 * trainRng.uniform()).height;
    const trainWindow = { top: trainRng.int(32 - side + 1), left: trainRng.int(32 - side + 1), height: side, width: side };
    const trained = tf.tidy(() => (crop.apply(x, seededContext('train', 4)) as tf.Tensor).dataSync());
    expect(maxAbsDiff(trained, tf.tidy(() => cropResize(x, trainWindow).dataSync()))).toBe(0);
    expect(side).toBeGreaterThanOrEqual(23);
    x.dispose();
  });

  it('validates its parameters', () => {
    expect(() => resizedCropFactory.create({ scale: 0 })).toThrow('resized-crop: parameter "scale" expects a number in (0, 1], got 0');
    expect(() => resizedCropFactory.create({ trainScaleRange: [0, 1] })).toThrow('resized-crop: parameter "trainScaleRange" expects a low end > 0');
  });

  it('passes gradients: tf.grad equals central differences', () => {
    const x = randomImages([2, 12, 10, 3], 4);
    const check = gradientCheck((input) => cropResize(input, { top: 2, left: 1, height: 8, width: 7 }), x);
    for (let k = 0; k < check.indices.length; k++) {
      expect(Math.abs(check.analytic[k]! - check.numeric[k]!), `index ${check.indices[k]}`).toBeLessThan(5e-4);
    }
    expect(Math.max(...check.analytic.map(Math.abs))).toBeGreaterThan(0.05);
    x.dispose();
  });
});
