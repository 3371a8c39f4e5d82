import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addClampedNoise, noiseFactory } from './noise.js';
import { gradientCheck, randomImages, seededContext } from '@attrib/testing/postprocess';
import { useBackend } from '@attrib/testing/backend';

beforeAll(() => useBackend('cpu'));

/** Mean and standard deviation of `values`. */
function moments(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length) };
}

describe('noise post-process', () => {
  it('has the reference defaults', () => {
    expect(noiseFactory.create().params).toEqual({ std: 0.3, trainStdRange: [0, 0.3] });
  });

  it('adds zero-mean noise of std 0.3 in evaluation (measured where no clamping happens)', () => {
    const noise = noiseFactory.create();
    const x = tf.zeros([4, 32, 32, 3]) as tf.Tensor4D;
    const out = tf.tidy(() => (noise.apply(x, seededContext('eval')) as tf.Tensor).dataSync());
    // Around 0, clamping at +-1 is more than 3 std away: it touches about 0.1% of the values.
    const { mean, std } = moments(out);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 0.3)).toBeLessThan(0.01);
    x.dispose();
  });

  it('clamps to [-1, 1]', () => {
    const x = tf.fill([1, 16, 16, 1], 0.9) as tf.Tensor4D;
    const out = tf.tidy(() => (noiseFactory.create({ std: 1 }).apply(x, seededContext('eval')) as tf.Tensor).dataSync());
    expect(Math.max(...out)).toBe(1);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(-1);
    x.dispose();
  });

  it('draws the training std uniformly from the range, one per call', () => {
    const noise = noiseFactory.create({ trainStdRange: [0.05, 0.1] });
    const x = tf.zeros([1, 64, 64, 1]) as tf.Tensor4D;
    const stds = Array.from({ length: 12 }, (_, seed) =>
      moments(tf.tidy(() => (noise.apply(x, seededContext('train', seed)) as tf.Tensor).dataSync())).std);
    for (const s of stds) {
      expect(s).toBeGreaterThan(0.05 * 0.95);
      expect(s).toBeLessThan(0.1 * 1.05);
    }
    expect(Math.max(...stds) - Math.min(...stds)).toBeGreaterThan(0.01);
    x.dispose();
  });

  it('gives equal noise for equal seeds and different noise otherwise', () => {
    const x = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    const a = tf.tidy(() => addClampedNoise(x, 0.2, 11).dataSync());
    const b = tf.tidy(() => addClampedNoise(x, 0.2, 11).dataSync());
    const c = tf.tidy(() => addClampedNoise(x, 0.2, 12).dataSync());
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    x.dispose();
  });

  it('validates its parameters', () => {
    expect(() => noiseFactory.create({ std: -0.1 })).toThrow('noise: parameter "std" expects a number >= 0, got -0.1');
    expect(() => noiseFactory.create({ std: 'lots' })).toThrow('noise: parameter "std" expects a number >= 0, got "lots"');
    expect(() => noiseFactory.create({ trainStdRange: [0.3] })).toThrow(/noise: parameter "trainStdRange" expects \[low, high\]/);
    expect(() => noiseFactory.create({ sigma: 1 })).toThrow(/noise: unknown parameter "sigma" \(expected one of: std, trainStdRange\)/);
  });

  it('passes gradients like PyTorch clamp: 1 inside [-1, 1], 0 where clamped, equal to central differences', () => {
    const noise = noiseFactory.create();
    const x = randomImages([2, 8, 8, 3], 6, -0.7, 0.7);
    const ctx = (): ReturnType<typeof seededContext> => seededContext('eval', 9);
    const out = tf.tidy(() => (noise.apply(x, ctx()) as tf.Tensor).dataSync());
    const grad = tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(noise.apply(input as tf.Tensor4D, ctx()) as tf.Tensor))(x).dataSync());
    let clamped = 0;
    for (let i = 0; i < out.length; i++) {
      const inside = Math.abs(out[i]!) < 1;
      expect(grad[i]).toBe(inside ? 1 : 0);
      if (!inside) clamped++;
    }
    expect(clamped).toBeGreaterThan(0); // the check covered both cases

    const check = gradientCheck((input) => noise.apply(input, ctx()) as tf.Tensor4D, x, { count: 40, eps: 1e-3 });
    for (let k = 0; k < check.indices.length; k++) {
      const i = check.indices[k]!;
      // A step of eps may cross the clamp only for outputs within eps of +-1; none is that close here.
      expect(Math.abs(Math.abs(out[i]!) - 1) > 1e-3 || Math.abs(out[i]!) === 1).toBe(true);
      expect(Math.abs(check.analytic[k]! - check.numeric[k]!), `index ${i}`).toBeLessThan(5e-4);
    }
    x.dispose();
  });
});
