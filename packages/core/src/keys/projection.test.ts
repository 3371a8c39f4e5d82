import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@attrib/testing/backend';
import { createRng } from '../util/rng.js';
import { projectBatchOntoKeyedSide, projectOntoKeyedSide } from './projection.js';

beforeAll(async () => {
  await useBackend('cpu');
});

/** An independent float64 reference: bisection on lambda of phi . clip(x0 - lambda phi) <= -margin. */
function bisection(x0: number[], phi: number[], margin: number): { lambda: number; distance: number } {
  const score = (lambda: number) => phi.reduce((s, p, i) => s + p * Math.min(1, Math.max(-1, x0[i]! - lambda * p)), 0);
  if (score(0) <= -margin) return { lambda: 0, distance: 0 };
  let lo = 0;
  let hi = 1;
  while (score(hi) > -margin) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (score(mid) <= -margin) hi = mid;
    else lo = mid;
  }
  const distance = Math.sqrt(x0.reduce((s, x, i) => s + (Math.min(1, Math.max(-1, x - hi * phi[i]!)) - x) ** 2, 0));
  return { lambda: hi, distance };
}

describe('projection onto the keyed side of a key', () => {
  it('without clipping is the closed-form half-space projection (s0 + margin) / ||phi||', () => {
    const x0 = [0.1, -0.2, 0.3];
    const phi = [1, 2, -0.5];
    const s0 = 0.1 - 0.4 - 0.15; // -0.45
    // With margin 0.4 the image (score -0.45) is already on the keyed side.
    expect(projectOntoKeyedSide(x0, phi, 0.4)).toEqual({ lambda: 0, distance: 0 });
    const margin = 1;
    const norm2 = 1 + 4 + 0.25;
    const lambda = (s0 + margin) / norm2;
    const out = new Float64Array(3);
    const p = projectOntoKeyedSide(x0, phi, margin, out);
    expect(p.lambda).toBeCloseTo(lambda, 14);
    expect(p.distance).toBeCloseTo((s0 + margin) / Math.sqrt(norm2), 14);
    // x* lies on the boundary, inside the box.
    expect(out.reduce((s, x, i) => s + x * phi[i]!, 0)).toBeCloseTo(-margin, 13);
    expect(Math.max(...out.map(Math.abs))).toBeLessThan(1);
  });

  it('with a coordinate at its bound: the rest of the way along the free coordinates only (closed form)', () => {
    // phi = (1, 1), x0 = (-0.9, 0.9), score 0: coordinate 0 reaches -1 at lambda 0.1 (score -0.2
    // there), then only coordinate 1 moves: -0.2 - (lambda - 0.1) = -1 at lambda = 0.9, x* = (-1, 0).
    const out = new Float64Array(2);
    const p = projectOntoKeyedSide([-0.9, 0.9], [1, 1], 1, out);
    expect(p.lambda).toBeCloseTo(0.9, 14);
    expect(Array.from(out)).toEqual([-1, expect.closeTo(0, 14)]);
    expect(p.distance).toBeCloseTo(Math.hypot(0.1, 0.9), 14);
  });

  it('is the nearest feasible point of a 2-D box (brute force over a fine grid)', () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 20; trial++) {
      const [a, b, c, e] = tf.tidy(() => Array.from(tf.randomUniform([4], -1, 1, 'float32', rng.seed()).dataSync()));
      const x0 = [a!, b!];
      const phi = [3 * c!, 3 * e!];
      const margin = 0.5;
      const p = projectOntoKeyedSide(x0, phi, margin);
      let best = Infinity;
      const steps = 800;
      for (let i = 0; i <= steps; i++) {
        for (let j = 0; j <= steps; j++) {
          const x = -1 + (2 * i) / steps;
          const y = -1 + (2 * j) / steps;
          if (phi[0]! * x + phi[1]! * y <= -margin) best = Math.min(best, Math.hypot(x - x0[0]!, y - x0[1]!));
        }
      }
      if (!Number.isFinite(best)) {
        expect(p.distance).toBe(Infinity);
        continue;
      }
      // The grid's spacing is 0.0025: its best point is at most a diagonal step away from x*.
      expect(p.distance).toBeLessThanOrEqual(best + 1e-12);
      expect(p.distance).toBeGreaterThan(best - 0.0036);
    }
  });

  it('matches a float64 bisection on 1,024-value images and keys of norm ~32', () => {
    const rng = createRng(7);
    const d = 1024;
    for (let trial = 0; trial < 5; trial++) {
      const [x0, phi] = tf.tidy(() => [
        Array.from(tf.tanh(tf.randomNormal([d], -1, 1.5, 'float32', rng.seed())).dataSync()),
        Array.from(tf.randomNormal([d], 0, 1, 'float32', rng.seed()).dataSync()),
      ]);
      // Shift the key so the image scores well above +1, as a root sample does.
      const s = phi!.reduce((acc, p, i) => acc + p * x0![i]!, 0);
      const key = phi!.map((p, i) => p + ((20 - s) * x0![i]!) / x0!.reduce((acc, x) => acc + x * x, 0));
      const p = projectOntoKeyedSide(x0!, key, 1);
      const reference = bisection(x0!, key, 1);
      expect(p.lambda).toBeGreaterThan(0);
      expect(p.lambda).toBeCloseTo(reference.lambda, 10);
      expect(p.distance).toBeCloseTo(reference.distance, 9);
    }
  });

  it('is 0 for an image already on the keyed side, Infinity when the box cannot reach the margin', () => {
    expect(projectOntoKeyedSide([-1, 1], [1, -1], 1)).toEqual({ lambda: 0, distance: 0 });
    // ||phi||_1 = 0.5 < margin: the lowest score in the box is -0.5.
    expect(projectOntoKeyedSide([0, 0], [0.25, -0.25], 1)).toEqual({ lambda: Infinity, distance: Infinity });
  });

  it('rejects a key of another length', () => {
    expect(() => projectOntoKeyedSide([0, 0, 0], [1, 1], 1)).toThrow(/image of 3 values, key of 2/);
  });

  it('projects a batch image by image in HWC order, leaving only the result tensor', () => {
    const rng = createRng(11);
    const images = tf.tidy(() => tf.tanh(tf.randomNormal([3, 2, 2, 2], 0, 1, 'float32', rng.seed())) as tf.Tensor4D);
    const phi = tf.tidy(() => tf.randomNormal([8], 0, 2, 'float32', rng.seed()) as tf.Tensor1D);
    const before = tf.memory().numTensors;
    const { projected, distances } = projectBatchOntoKeyedSide(images, phi, 1);
    expect(tf.memory().numTensors).toBe(before + 1);
    const flat = images.dataSync();
    const key = Array.from(phi.dataSync());
    const got = projected.dataSync();
    for (let k = 0; k < 3; k++) {
      const out = new Float64Array(8);
      const one = projectOntoKeyedSide(Array.from(flat.subarray(k * 8, k * 8 + 8)), key, 1, out);
      expect(distances[k]).toBe(one.distance);
      expect(Array.from(got.subarray(k * 8, k * 8 + 8))).toEqual(Array.from(Float32Array.from(out)));
      // Every projected image scores <= -1 under the key (float32 rounding aside).
      expect(Array.from(got.subarray(k * 8, k * 8 + 8)).reduce((s, x, i) => s + x * key[i]!, 0)).toBeLessThanOrEqual(-1 + 1e-5);
    }
    tf.dispose([images, phi, projected]);
  });
});
