import * as tf from '@tensorflow/tfjs-core';
import { readPng } from '@attrib/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adjustBrightness, brightnessFactory } from './brightness.js';
import { adjustContrast, contrastFactory, LUMA_WEIGHTS } from './contrast.js';
import { fromUint8 } from './jpeg-codec.js';
import { fixturePath, gradientCheck, randomImages, readFixture, seededContext } from '@attrib/testing/postprocess';
import { useBackend } from '@attrib/testing/backend';

interface Enhanced { channels: 1 | 3; brightness: Record<string, string>; contrast: Record<string, string> }
const pillow = readFixture<{ photos: Record<string, Enhanced> }>('enhance.json');

beforeAll(() => useBackend('cpu'));

async function photo(name: string, channels: 1 | 3): Promise<tf.Tensor4D> {
  const image = await readPng(fixturePath(`photos/${name}.png`), channels);
  return tf.tensor4d(Float32Array.from(image.data, fromUint8), [1, image.height, image.width, channels]);
}

/** Largest and smallest of (ours - Pillow's) in 8-bit units. */
function differenceRange(ours: ArrayLike<number>, pillowBytes: string): { low: number; high: number } {
  const theirs = Buffer.from(pillowBytes, 'base64');
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < theirs.length; i++) {
    const d = (ours[i]! + 1) * 127.5 - theirs[i]!;
    low = Math.min(low, d);
    high = Math.max(high, d);
  }
  return { low, high };
}

describe('brightness', () => {
  it('is clip(f (x + 1) - 1, -1, 1) (closed form, float64)', () => {
    const x = randomImages([2, 5, 4, 3], 1);
    for (const f of [0.5, 1, 1.5, 2]) {
      const out = tf.tidy(() => adjustBrightness(x, f).dataSync());
      x.dataSync().forEach((v, i) => expect(out[i]).toBeCloseTo(Math.min(1, Math.max(-1, f * (v + 1) - 1)), 6));
    }
    x.dispose();
  });

  for (const [name, entry] of Object.entries(pillow.photos)) {
    it(`${name}: equals Pillow ImageEnhance.Brightness up to Pillow's truncation to 8 bits`, async () => {
      const x = await photo(name, entry.channels);
      for (const [factor, bytes] of Object.entries(entry.brightness)) {
        const out = tf.tidy(() => adjustBrightness(x, Number(factor)).dataSync());
        // Pillow truncates f * p to an integer: ours is at most 1 level above, never below.
        const { low, high } = differenceRange(out, bytes);
        expect(low, `factor ${factor}`).toBeGreaterThan(-1e-3);
        expect(high, `factor ${factor}`).toBeLessThan(1);
      }
      x.dispose();
    });
  }

  it('has WAVES\'s range and passes gradients (f where unclipped)', () => {
    expect(brightnessFactory.create().params).toEqual({ factor: 2, trainFactorRange: [1, 2] });
    expect(brightnessFactory.strength).toEqual({ param: 'factor', weakest: 1, strongest: 2 });
    expect(() => brightnessFactory.create({ factor: -1 })).toThrow('brightness: parameter "factor" expects a number >= 0, got -1');
    const x = randomImages([1, 4, 4, 3], 2, -0.9, -0.3);
    const grad = tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(adjustBrightness(input as tf.Tensor4D, 1.5)))(x).dataSync());
    grad.forEach((g) => expect(g).toBeCloseTo(1.5, 6));
    x.dispose();
  });
});

describe('contrast', () => {
  it('is clip(m + f (x - m), -1, 1) with m the mean luma (closed form, float64)', () => {
    const x = randomImages([2, 4, 5, 3], 3);
    const values = x.dataSync();
    const perImage = 4 * 5 * 3;
    for (const f of [0.5, 1.5, 2]) {
      const out = tf.tidy(() => adjustContrast(x, f).dataSync());
      for (let n = 0; n < 2; n++) {
        let mean = 0;
        for (let p = 0; p < 20; p++) for (let c = 0; c < 3; c++) mean += LUMA_WEIGHTS[c]! * values[n * perImage + p * 3 + c]!;
        mean /= 20;
        for (let i = n * perImage; i < (n + 1) * perImage; i++) {
          expect(out[i]).toBeCloseTo(Math.min(1, Math.max(-1, mean + f * (values[i]! - mean))), 5);
        }
      }
    }
    x.dispose();
  });

  for (const [name, entry] of Object.entries(pillow.photos)) {
    it(`${name}: equals Pillow ImageEnhance.Contrast up to Pillow's 8-bit mean and truncation`, async () => {
      const x = await photo(name, entry.channels);
      for (const [factor, bytes] of Object.entries(entry.contrast)) {
        const f = Number(factor);
        const out = tf.tidy(() => adjustContrast(x, f).dataSync());
        // Pillow pivots on the mean of 8-bit luma rounded to an integer (off by < 1 level, which
        // moves the result by < |1 - f|) and truncates the result (0 to 1 level).
        const { low, high } = differenceRange(out, bytes);
        expect(low, `factor ${factor}`).toBeGreaterThan(-Math.abs(1 - f));
        expect(high, `factor ${factor}`).toBeLessThan(1 + Math.abs(1 - f));
      }
      x.dispose();
    });
  }

  it('has WAVES\'s range and passes gradients through the clip and the mean', () => {
    expect(contrastFactory.create().params).toEqual({ factor: 2, trainFactorRange: [1, 2] });
    expect(contrastFactory.strength).toEqual({ param: 'factor', weakest: 1, strongest: 2 });
    for (const channels of [1, 3]) {
      const x = randomImages([2, 6, 5, channels], 4, -0.5, 0.5);
      const check = gradientCheck((input) => contrastFactory.create({ factor: 1.7 }).apply(input, seededContext('eval')) as tf.Tensor4D, x);
      for (let k = 0; k < check.indices.length; k++) {
        expect(Math.abs(check.analytic[k]! - check.numeric[k]!), `index ${check.indices[k]}`).toBeLessThan(5e-4);
      }
      x.dispose();
    }
  });
});
