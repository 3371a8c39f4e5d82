import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, keyThroughPostProcess, projectOntoKeyedSide, type ImageShape, type PostProcess, type PostProcessContext } from '@attrib/core';
import { blurFactory } from './blur.js';
import { combinationFactory } from './combination.js';
import { cropFactory } from './crop.js';
import { jpegFactory } from './jpeg.js';
import { noiseFactory } from './noise.js';
import { resizedCropFactory } from './resized-crop.js';
import { jpegCodecFactory } from './jpeg-codec.js';
import { useBackend } from '@attrib/testing/backend';

beforeAll(() => useBackend('cpu'));

const grey: ImageShape = { height: 16, width: 16, channels: 1 };
const colour: ImageShape = { height: 8, width: 8, channels: 3 };
const sizeOf = (s: ImageShape): number => s.height * s.width * s.channels;
const context = (mode: 'train' | 'eval', seed: number): PostProcessContext => ({ mode, rng: createRng(seed) });

/** Deterministic values in [low, high] (a float64 list). */
function values(n: number, seed: number, low = -1, high = 1): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => low + (high - low) * rng.uniform());
}

/**
 * The matrix A of a map f on images of `shape`, built column by column: column j is f(e_j),
 * e_j the j-th basis image (HWC order). Returned as rows of float64 numbers: A[i][j].
 */
function matrixOf(shape: ImageShape, f: (x: tf.Tensor4D) => tf.Tensor4D): number[][] {
  const d = sizeOf(shape);
  const columns: Float32Array[] = [];
  for (let j = 0; j < d; j++) {
    const basis = new Float32Array(d);
    basis[j] = 1;
    columns.push(tf.tidy(() => f(tf.tensor4d(basis, [1, shape.height, shape.width, shape.channels])).dataSync() as Float32Array));
  }
  return Array.from({ length: d }, (_, i) => columns.map((c) => c[i]!));
}

const transposeTimes = (a: number[][], phi: number[]): number[] =>
  a[0]!.map((_, j) => a.reduce((s, row, i) => s + row[j]! * phi[i]!, 0));
const times = (a: number[][], b: number[][]): number[][] =>
  a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0);

/** Synchronous apply of a differentiable post-process. */
const applied = (pp: PostProcess, ctx: () => PostProcessContext) => (x: tf.Tensor4D): tf.Tensor4D => pp.apply(x, ctx()) as tf.Tensor4D;

/** Float64 floor of one image along psi by bisection on lambda (independent of projection.ts's breakpoint walk). */
function floorByBisection(x0: number[], psi: number[]): { distance: number; projected: number[] } {
  const at = (lambda: number) => x0.map((x, i) => Math.min(1, Math.max(-1, x - lambda * psi[i]!)));
  const score = (lambda: number) => dot(at(lambda), psi);
  if (score(0) <= -1) return { distance: 0, projected: at(0) };
  let lo = 0;
  let hi = 1e-3;
  while (score(hi) > -1) hi *= 2;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (score(mid) <= -1) hi = mid;
    else lo = mid;
  }
  const projected = at(hi);
  return { distance: Math.hypot(...projected.map((x, i) => x - x0[i]!)), projected };
}

describe('the linear part of a post-process and the key through it (floor under T)', () => {
  const cases: [string, PostProcess, ImageShape][] = [
    ['blur', blurFactory.create(), grey],
    ['crop', cropFactory.create(), grey],
    ['resized-crop', resizedCropFactory.create(), grey],
    ['jpeg (grey)', jpegFactory.create(), grey],
    ['jpeg (colour)', jpegFactory.create(), colour],
  ];

  for (const [name, pp, shape] of cases) {
    it(`${name}: T is linear, and A^T phi from one gradient is the float64 A^T phi of T's matrix built column by column`, () => {
      const seed = 5;
      const a = matrixOf(shape, applied(pp, () => context('eval', seed)));
      const phi = values(sizeOf(shape), 11);
      const psi = keyThroughPostProcess(Float32Array.from(phi), shape, pp, context('eval', seed));
      const expected = transposeTimes(a, phi);
      const scale = Math.max(...expected.map(Math.abs));
      expected.forEach((v, i) => expect(Math.abs(psi[i]! - v) / scale, `${name} entry ${i}`).toBeLessThan(1e-5));
      // T(x) = A x on an image that is not a basis image: linear indeed.
      const x = values(sizeOf(shape), 12);
      const tx = tf.tidy(() => applied(pp, () => context('eval', seed))(tf.tensor4d(x, [1, shape.height, shape.width, shape.channels])).dataSync());
      a.forEach((row, i) => expect(Math.abs(tx[i]! - dot(row, x)), `${name} T(x)_${i}`).toBeLessThan(1e-5));
    });
  }

  it('train mode: the key through T at a drawn strength is A^T phi of the T drawn with the same seed', () => {
    for (const pp of [blurFactory.create(), cropFactory.create()]) {
      for (const seed of [1, 2, 3]) {
        const a = matrixOf(grey, applied(pp, () => context('train', seed)));
        const phi = values(sizeOf(grey), 21);
        const psi = keyThroughPostProcess(Float32Array.from(phi), grey, pp, context('train', seed));
        const expected = transposeTimes(a, phi);
        const scale = Math.max(...expected.map(Math.abs));
        expected.forEach((v, i) => expect(Math.abs(psi[i]! - v) / scale).toBeLessThan(1e-5));
      }
    }
  });

  it('noise: the linear part is the identity, and T(x) - x is the same noise for two images (no clamping)', () => {
    // std 0.05 on values within 0.3: the clamp at +-1 is 14 standard deviations away.
    const pp = noiseFactory.create({ std: 0.05 });
    const phi = values(sizeOf(grey), 31);
    const psi = keyThroughPostProcess(Float32Array.from(phi), grey, pp, context('eval', 4));
    phi.forEach((v, i) => expect(psi[i]).toBeCloseTo(v, 6));
    const [x1, x2] = [values(sizeOf(grey), 32, -0.3, 0.3), values(sizeOf(grey), 33, -0.3, 0.3)];
    const shape = [1, 16, 16, 1] as [number, number, number, number];
    const noiseOf = (x: number[]) => tf.tidy(() => tf.sub(pp.apply(tf.tensor4d(x, shape), { mode: 'eval', rng: createRng(9) }) as tf.Tensor4D, tf.tensor4d(x, shape)).dataSync());
    const [n1, n2] = [noiseOf(x1), noiseOf(x2)];
    n1.forEach((v, i) => expect(v).toBeCloseTo(n2[i]!, 5));
  });

  it('combination: the linear part is JPEG . crop . blur (the noise left out), in evaluation and in training with the same draws', () => {
    const pp = combinationFactory.create();
    const phi = values(sizeOf(grey), 41);
    // Evaluation: every part applies; the matrices of the parts themselves, multiplied in float64.
    const blur = matrixOf(grey, applied(blurFactory.create(), () => context('eval', 0)));
    const crop = matrixOf(grey, applied(cropFactory.create(), () => context('eval', 0)));
    const jpeg = matrixOf(grey, applied(jpegFactory.create(), () => context('eval', 0)));
    const expected = transposeTimes(times(jpeg, times(crop, blur)), phi);
    const psi = keyThroughPostProcess(Float32Array.from(phi), grey, pp, context('eval', 3));
    const scale = Math.max(...expected.map(Math.abs));
    expected.forEach((v, i) => expect(Math.abs(psi[i]! - v) / scale).toBeLessThan(1e-5));
    // Training: phi.T(x) - psi.x is the noise's term alone, the same for two images (small values: no clamping).
    for (const seed of [1, 2, 3, 4]) {
      const psiTrain = keyThroughPostProcess(Float32Array.from(phi), grey, pp, context('train', seed));
      const shape = [1, 16, 16, 1] as [number, number, number, number];
      const rest = (x: number[]) => dot(tf.tidy(() => (pp.apply(tf.tensor4d(x, shape), context('train', seed)) as tf.Tensor4D).dataSync()), phi) - dot(psiTrain, x);
      expect(rest(values(256, 42, -0.3, 0.3))).toBeCloseTo(rest(values(256, 43, -0.3, 0.3)), 3);
    }
  });

  it('the floor under T: the projection along A^T phi is the float64 one, and T of it scores -1 under phi', () => {
    for (const pp of [blurFactory.create(), cropFactory.create(), jpegFactory.create()]) {
      const a = matrixOf(grey, applied(pp, () => context('eval', 0)));
      const phi = values(sizeOf(grey), 51).map((v) => v * 0.3);
      const psi = keyThroughPostProcess(Float32Array.from(phi), grey, pp, context('eval', 0));
      const psi64 = transposeTimes(a, phi);
      for (const seed of [52, 53, 54]) {
        const x0 = values(sizeOf(grey), seed, -0.9, 0.9);
        const reference = floorByBisection(x0, psi64);
        const out = new Float64Array(sizeOf(grey));
        const got = projectOntoKeyedSide(x0, psi, 1, out);
        expect(got.distance).toBeGreaterThan(0);
        expect(Math.abs(got.distance - reference.distance) / reference.distance, pp.name).toBeLessThan(1e-4);
        // What the floor means: T(x*) scores -1 under phi (the margin, reached exactly).
        const tx = a.map((row) => dot(row, Array.from(out)));
        expect(dot(tx, phi)).toBeCloseTo(-1, 3);
      }
    }
  });

  it('is refused for a post-process without a linear part, naming it', () => {
    expect(() => keyThroughPostProcess(new Float32Array(256), grey, jpegCodecFactory.create(), context('eval', 0)))
      .toThrow(/^post-process jpeg-codec has no linear part/);
    expect(() => keyThroughPostProcess(new Float32Array(10), grey, blurFactory.create(), context('eval', 0)))
      .toThrow(/key of 10 values for 16x16x1 images; expected 256/);
  });
});
