import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@attrib/core';
import { instanceNorm, reflectionPad } from './layers.js';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

/** PyTorch's reflection index: -i maps to i, n-1+i maps to n-1-i. */
function reflectIndex(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

/** Reflection padding by direct indexing of a flat NHWC array. */
function reflectionPadLoop(values: Float32Array, [n, h, w, c]: number[], pad: number): Float32Array {
  const H = h + 2 * pad;
  const W = w + 2 * pad;
  const out = new Float32Array(n * H * W * c);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const sy = reflectIndex(y - pad, h);
        const sx = reflectIndex(x - pad, w);
        for (let k = 0; k < c; k++) out[((b * H + y) * W + x) * c + k] = values[((b * h + sy) * w + sx) * c + k]!;
      }
    }
  }
  return out;
}

function randomValues(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => rng.normal());
}

describe.each(['cpu', 'wasm'] as const)('layers on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([1, 3])('reflection padding by %i matches direct indexing', (pad) => {
    const shape = [2, 5, 7, 3];
    const values = randomValues(2 * 5 * 7 * 3, pad);
    const padded = tf.tidy(() => reflectionPad(tf.tensor4d(values, shape as [number, number, number, number]), pad));
    expect(padded.shape).toEqual([2, 5 + 2 * pad, 7 + 2 * pad, 3]);
    expect(maxAbsDiff(padded.dataSync(), reflectionPadLoop(values, shape, pad))).toBe(0);
    padded.dispose();
  });

  it('reflection padding has the gradient finite differences give', () => {
    // loss = sum(R * pad(x)) is linear in x, so central differences are exact up to rounding;
    // every border pixel that is reflected must receive R from each of its copies.
    const shape: [number, number, number, number] = [1, 4, 5, 2];
    const pad = 2;
    const x0 = randomValues(40, 11);
    const probe = tf.tensor4d(randomValues(1 * 8 * 9 * 2, 12), [1, 8, 9, 2]);
    const loss = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(reflectionPad(x as tf.Tensor4D, pad), probe));
    const grad = tf.tidy(() => tf.grad(loss)(tf.tensor4d(x0, shape)));
    const analytic = grad.dataSync();
    const eps = 0.5;
    const numeric = new Float32Array(x0.length);
    for (let i = 0; i < x0.length; i++) {
      const plus = Float32Array.from(x0);
      const minus = Float32Array.from(x0);
      plus[i]! += eps;
      minus[i]! -= eps;
      const f = (v: Float32Array): number => tf.tidy(() => loss(tf.tensor4d(v, shape)).dataSync()[0]!);
      numeric[i] = (f(plus) - f(minus)) / (2 * eps);
    }
    expect(maxAbsDiff(analytic, numeric)).toBeLessThan(1e-4);
    // Pixel (1, 1) is also copied to padded rows and columns pad - 1 (reflection does not repeat
    // the edge row), so its gradient is not just the probe at its own position: a gradient that
    // ignored the reflected border would equal that.
    const own = probe.arraySync()[0]![pad + 1]![pad + 1]![0]!;
    expect(Math.abs(analytic[(1 * 5 + 1) * 2]! - own)).toBeGreaterThan(1e-3);
    grad.dispose();
    probe.dispose();
  });

  it('reflection padding refuses a pad as large as the image', () => {
    const x = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
    expect(() => reflectionPad(x, 3)).toThrow(/reflection padding 3 needs images larger than 3 pixels on each side, got 3x3/);
    x.dispose();
  });

  it('instance norm normalises every image and channel by its own statistics (biased variance, eps 1e-5)', () => {
    const [n, h, w, c] = [2, 3, 4, 3];
    const values = randomValues(n * h * w * c, 5).map((v, i) => v * (1 + (i % c)) + (i % c));
    const out = tf.tidy(() => instanceNorm(tf.tensor4d(values, [n, h, w, c])));
    const expected = new Float32Array(values.length);
    for (let b = 0; b < n; b++) {
      for (let k = 0; k < c; k++) {
        const idx = Array.from({ length: h * w }, (_, p) => (b * h * w + p) * c + k);
        const mean = idx.reduce((s, i) => s + values[i]!, 0) / idx.length;
        const variance = idx.reduce((s, i) => s + (values[i]! - mean) ** 2, 0) / idx.length;
        for (const i of idx) expected[i] = (values[i]! - mean) / Math.sqrt(variance + 1e-5);
      }
    }
    expect(maxAbsDiff(out.dataSync(), expected)).toBeLessThan(1e-5);
    out.dispose();
  });
});
