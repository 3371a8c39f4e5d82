import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { centreCropWindow, linearResizeMatrix } from './bilinear.js';
import { centreCropResize, cropFactory } from './crop.js';
import { fixtureTensor, gradientCheck, randomImages, readFixture, seededContext, type FixtureArray } from '@attrib/testing/postprocess';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

interface CropCase { ratio: number; input: FixtureArray; expected: FixtureArray }
const fixture = readFixture<{ cases: CropCase[] }>('crop.json');

beforeAll(() => useBackend('cpu'));

describe('centre crop window', () => {
  it('truncates ratio * side like int() and centres like side // 2 - crop // 2', () => {
    expect(centreCropWindow(32, 0.8)).toEqual({ start: 4, length: 25 });
    expect(centreCropWindow(64, 0.8)).toEqual({ start: 7, length: 51 });
    expect(centreCropWindow(44, 0.8)).toEqual({ start: 5, length: 35 });
    expect(centreCropWindow(30, 0.93)).toEqual({ start: 2, length: 27 });
    expect(centreCropWindow(16, 1)).toEqual({ start: 0, length: 16 });
  });

  it('resizing to the same size is the identity', () => {
    const m = linearResizeMatrix(5, 5);
    const identity = Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 1 : 0));
    expect(Array.from(m)).toEqual(identity);
  });
});

describe('centreCropResize', () => {
  it('matches PyTorch slicing + F.interpolate(bilinear, align_corners=False)', () => {
    for (const c of fixture.cases) {
      const out = tf.tidy(() => centreCropResize(fixtureTensor(c.input), c.ratio).dataSync());
      const expected = tf.tidy(() => fixtureTensor(c.expected).dataSync());
      expect(maxAbsDiff(out, expected), `ratio ${c.ratio}, shape ${c.input.shape}`).toBeLessThan(2e-6);
    }
  });

  it('equals tf.image.resizeBilinear with halfPixelCenters on the cropped window (forward)', () => {
    for (const c of fixture.cases) {
      const [, h, w] = c.input.shape;
      const rows = centreCropWindow(h, c.ratio);
      const cols = centreCropWindow(w, c.ratio);
      const [ours, tfjs] = tf.tidy(() => {
        const x = fixtureTensor(c.input);
        const window = tf.slice(x, [0, rows.start, cols.start, 0], [-1, rows.length, cols.length, -1]);
        return [centreCropResize(x, c.ratio).dataSync(), tf.image.resizeBilinear(window, [h, w], false, true).dataSync()];
      });
      expect(maxAbsDiff(ours!, tfjs!)).toBeLessThan(2e-6);
    }
  });
});

describe('crop post-process', () => {
  it('has the reference defaults and evaluates at ratio 0.8', () => {
    const crop = cropFactory.create();
    expect(crop.params).toEqual({ ratio: 0.8, trainRatioRange: [0.8, 1] });
    const x = randomImages([1, 20, 20, 3], 2);
    const out = tf.tidy(() => (crop.apply(x, seededContext('eval')) as tf.Tensor).dataSync());
    expect(maxAbsDiff(out, tf.tidy(() => centreCropResize(x, 0.8).dataSync()))).toBe(0);
    x.dispose();
  });

  it('trains with a ratio drawn uniformly from the range', () => {
    const crop = cropFactory.create({ trainRatioRange: [0.5, 0.75] });
    const x = randomImages([1, 40, 40, 1], 3);
    // With 40 pixels, every crop length from int(0.5 * 40) = 20 to 29 is a distinct output.
    const byLength = new Map<number, Float32Array>();
    for (let length = 20; length <= 30; length++) {
      byLength.set(length, tf.tidy(() => centreCropResize(x, length / 40).dataSync() as Float32Array));
    }
    const seen = new Set<number>();
    for (let seed = 0; seed < 60; seed++) {
      const out = tf.tidy(() => (crop.apply(x, seededContext('train', seed)) as tf.Tensor).dataSync());
      const length = [...byLength].find(([, v]) => maxAbsDiff(v, out) === 0)?.[0];
      expect(length).toBeDefined();
      seen.add(length!);
    }
    expect(Math.min(...seen)).toBe(20);
    expect(Math.max(...seen)).toBe(29);
    x.dispose();
  });

  it('validates its parameters', () => {
    expect(() => cropFactory.create({ ratio: 1.2 })).toThrow('crop: parameter "ratio" expects a number in (0, 1], got 1.2');
    expect(() => cropFactory.create({ trainRatioRange: [0.9, 0.8] })).toThrow(
      'crop: parameter "trainRatioRange" expects [low, high] with 0 <= low <= high <= 1, got [0.9,0.8]');
    expect(() => cropFactory.create({ trainRatioRange: [0, 0.5] })).toThrow('crop: parameter "trainRatioRange" expects a low end > 0');
    expect(() => cropFactory.create({ size: 3 })).toThrow(/crop: unknown parameter "size"/);
  });

  it('passes gradients: tf.grad equals central differences', () => {
    const crop = cropFactory.create();
    const x = randomImages([2, 12, 10, 3], 4);
    for (const mode of ['eval', 'train'] as const) {
      const check = gradientCheck((input) => crop.apply(input, seededContext(mode)) as tf.Tensor4D, x);
      for (let k = 0; k < check.indices.length; k++) {
        expect(Math.abs(check.analytic[k]! - check.numeric[k]!), `${mode}, index ${check.indices[k]}`).toBeLessThan(5e-4);
      }
      expect(Math.max(...check.analytic.map(Math.abs))).toBeGreaterThan(0.05);
    }
    x.dispose();
  });
});
