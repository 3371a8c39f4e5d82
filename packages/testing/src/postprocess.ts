// Helpers for the post-process package's tests.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRng, type PostProcessContext } from '@attrib/core';

/** A float32 NHWC array of a fixture. */
export interface FixtureArray {
  shape: [number, number, number, number];
  data: string;
}

/** Path of a file under packages/postprocess/fixtures. */
export function fixturePath(name: string): string {
  return new URL(`../../postprocess/fixtures/${name}`, import.meta.url).pathname;
}

/** A JSON fixture made by scripts/make-fixtures.py. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;
}

/** A fixture array as a tensor. */
export function fixtureTensor(array: FixtureArray): tf.Tensor4D {
  const bytes = Buffer.from(array.data, 'base64');
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return tf.tensor4d(values, array.shape);
}

/** A new context with an rng from `seed`: calls given equal seeds draw the same strengths and noise. */
export function seededContext(mode: 'train' | 'eval', seed = 7): PostProcessContext {
  return { mode, rng: createRng(seed) };
}

/** Uniform values in [low, high) from a seeded rng, as a tensor. */
export function randomImages(shape: [number, number, number, number], seed: number, low = -1, high = 1): tf.Tensor4D {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor4d(Float32Array.from({ length: size }, () => low + (high - low) * rng.uniform()), shape);
}

export interface GradientCheck {
  /** tf.grad's derivative at each checked coordinate. */
  analytic: number[];
  /** The central difference at the same coordinates. */
  numeric: number[];
  /** The flat indices checked. */
  indices: number[];
}

/**
 * Compares tf.grad of L(x) = sum(w * f(x)) (w fixed and random) with central differences
 * (L(x + eps e_i) - L(x - eps e_i)) / (2 eps) at `count` random coordinates. L is summed in
 * float64 from f's float32 outputs, so the difference is limited by f's own rounding.
 */
export function gradientCheck(
  f: (x: tf.Tensor4D) => tf.Tensor4D,
  x: tf.Tensor4D,
  { count = 24, eps = 1e-2, seed = 3 } = {},
): GradientCheck {
  const outShape = tf.tidy(() => f(x).shape) as [number, number, number, number];
  const weights = randomImages(outShape, seed + 1);
  const weightValues = weights.dataSync();
  const analyticAll = tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(f(input as tf.Tensor4D), weights)))(x)).dataSync();
  const base = x.dataSync();
  const loss = (values: Float32Array): number => {
    const out = tf.tidy(() => f(tf.tensor4d(values, x.shape)).dataSync());
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += weightValues[i]! * out[i]!;
    return sum;
  };
  const rng = createRng(seed);
  const check: GradientCheck = { analytic: [], numeric: [], indices: [] };
  for (let k = 0; k < count; k++) {
    const i = rng.int(base.length);
    const plus = Float32Array.from(base);
    const minus = Float32Array.from(base);
    plus[i]! += eps;
    minus[i]! -= eps;
    // The step actually taken in float32, not the nominal 2 eps.
    const step = plus[i]! - minus[i]!;
    check.indices.push(i);
    check.analytic.push(analyticAll[i]!);
    check.numeric.push((loss(plus) - loss(minus)) / step);
  }
  weights.dispose();
  return check;
}
