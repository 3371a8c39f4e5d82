import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@attrib/testing/random';
import { maxRelativeError, useBackend, valuesOn } from '@attrib/testing/backend';

function randomArray(size: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => scale * rng.normal());
}

/** Closed-form Adam on a loss sum(w * c), whose gradient is c at every step. */
function adamByHand(w0: Float32Array, c: Float32Array, steps: number, lr: number, b1: number, b2: number, eps: number): number[] {
  const w = Array.from(w0);
  const m = new Array<number>(w.length).fill(0);
  const v = new Array<number>(w.length).fill(0);
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * c[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * c[i]! * c[i]!;
      const mHat = m[i]! / (1 - b1 ** t);
      const vHat = v[i]! / (1 - b2 ** t);
      w[i] = w[i]! - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }
  return w;
}

const SHAPES = {
  z: [4, 1, 1, 8],
  w1: [4, 4, 6, 8], // ConvT 8 -> 6, k4 s1 p0: 1x1 -> 4x4
  w2: [4, 4, 3, 6], // ConvT 6 -> 3, k4 s2 p1: 4x4 -> 8x8
  w3: [4, 4, 1, 3], // ConvT 3 -> 1, k4 s2 p1: 8x8 -> 16x16
  gamma: [6],
  beta: [6],
  target: [4, 16, 16, 1],
};
const INIT = Object.fromEntries(
  Object.entries(SHAPES).map(([name, shape], i) => [name, randomArray(shape.reduce((a, b) => a * b, 1), 40 + i, 0.5)]),
) as Record<keyof typeof SHAPES, Float32Array>;
INIT.gamma = INIT.gamma.map((g) => 1 + 0.1 * g);

/** A three-layer DCGAN-style generator trained by Adam; returns losses, then the final weights. */
function trainTinyGenerator(steps: number, tensorCounts: number[] = []): tf.Tensor[] {
  const vars = {
    w1: tf.variable(tf.tensor(INIT.w1, SHAPES.w1)),
    w2: tf.variable(tf.tensor(INIT.w2, SHAPES.w2)),
    w3: tf.variable(tf.tensor(INIT.w3, SHAPES.w3)),
    gamma: tf.variable(tf.tensor(INIT.gamma, SHAPES.gamma)),
    beta: tf.variable(tf.tensor(INIT.beta, SHAPES.beta)),
  };
  const z = tf.tensor4d(INIT.z, [4, 1, 1, 8]);
  const target = tf.tanh(tf.tensor(INIT.target, SHAPES.target));
  const optimizer = tf.train.adam(0.01, 0.5, 0.999, 1e-8);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(() => {
      const h1 = tf.conv2dTranspose(z, vars.w1 as tf.Tensor4D, [4, 4, 4, 6], 1, 'valid');
      const { mean, variance } = tf.moments(h1, [0, 1, 2]);
      const normed = tf.batchNorm(h1, mean, variance, vars.beta, vars.gamma, 1e-5);
      const a1 = tf.relu(normed);
      const h2 = tf.leakyRelu(tf.conv2dTranspose(a1 as tf.Tensor4D, vars.w2 as tf.Tensor4D, [4, 8, 8, 3], 2, 'same'), 0.2);
      const out = tf.tanh(tf.conv2dTranspose(h2, vars.w3 as tf.Tensor4D, [4, 16, 16, 1], 2, 'same'));
      return tf.mean(tf.square(tf.sub(out, target))) as tf.Scalar;
    }, true) as tf.Scalar;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
    tensorCounts.push(tf.memory().numTensors);
  }
  const result = [tf.tensor1d(losses), ...Object.values(vars).map((v) => tf.clone(v))];
  optimizer.dispose();
  Object.values(vars).forEach((v) => v.dispose());
  return result;
}

describe('training on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('Adam updates wasm variables as the closed form says', async () => {
    const w0 = randomArray(12, 1);
    const c = randomArray(12, 2);
    const [actual] = await valuesOn('wasm', () => {
      const w = tf.variable(tf.tensor2d(w0, [3, 4]));
      const coefficients = tf.tensor2d(c, [3, 4]);
      const optimizer = tf.train.adam(0.05, 0.9, 0.999, 1e-8);
      for (let i = 0; i < 4; i++) optimizer.minimize(() => tf.sum(tf.mul(w, coefficients)) as tf.Scalar);
      optimizer.dispose();
      const out = tf.clone(w);
      w.dispose();
      return out;
    });
    expect(maxRelativeError(actual!, adamByHand(w0, c, 4, 0.05, 0.9, 0.999, 1e-8))).toBeLessThan(1e-5);
  });

  it('a tiny DCGAN-style generator trains on wasm as on cpu', async () => {
    const expected = await valuesOn('cpu', () => trainTinyGenerator(4));
    const actual = await valuesOn('wasm', () => trainTinyGenerator(4));
    const [lossesCpu] = expected;
    expect(lossesCpu![3]!).toBeLessThan(lossesCpu![0]!);
    for (let i = 0; i < expected.length; i++) {
      expect(maxRelativeError(actual[i]!, expected[i]!)).toBeLessThan(1e-4);
    }
  });

  it('a training loop on wasm does not grow the tensor count', async () => {
    await useBackend('wasm');
    const counts: number[] = [];
    tf.dispose(tf.tidy(() => trainTinyGenerator(5, counts)));
    // Adam creates its moment variables in the first step; from then on nothing may accumulate.
    expect(counts.slice(1)).toEqual(new Array(4).fill(counts[1]));
  });
});
