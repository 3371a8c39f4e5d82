import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { eraseFactory, eraseWindow } from './erase.js';
import { randomImages, seededContext } from '@attrib/testing/postprocess';
import { useBackend } from '@attrib/testing/backend';

beforeAll(() => useBackend('cpu'));

/** The rectangle where `out` equals `fill` and `input` does not: [rows, cols] as [first, last]. */
function erasedBox(out: Float32Array | Int32Array | Uint8Array, input: ArrayLike<number>, height: number, width: number, fill: number) {
  const rows: number[] = [];
  const cols: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (out[i] === fill) { rows.push(y); cols.push(x); } else expect(out[i]).toBe(input[i]);
    }
  }
  return { count: rows.length, top: Math.min(...rows), bottom: Math.max(...rows), left: Math.min(...cols), right: Math.max(...cols) };
}

describe('erase', () => {
  it('sets exactly the window to the fill value and keeps every other pixel', () => {
    const x = randomImages([1, 10, 12, 1], 1);
    const out = tf.tidy(() => eraseWindow(x, { top: 2, left: 3, height: 4, width: 5 }, 0.25).dataSync());
    expect(erasedBox(out, x.dataSync(), 10, 12, 0.25)).toEqual({ count: 20, top: 2, bottom: 5, left: 3, right: 7 });
    x.dispose();
  });

  it('erases a square of a quarter of the area at evaluation (WAVES\'s strongest), drawn inside the image', () => {
    const erase = eraseFactory.create();
    expect(erase.params).toEqual({ area: 0.25, trainAreaRange: [0, 0.25], fill: -1 });
    expect(eraseFactory.strength).toEqual({ param: 'area', weakest: 0, strongest: 0.25 });
    const x = randomImages([1, 32, 32, 1], 2, -0.9, 0.9);
    const tops = new Set<number>();
    for (let seed = 0; seed < 12; seed++) {
      const out = tf.tidy(() => (erase.apply(x, seededContext('eval', seed)) as tf.Tensor).dataSync());
      const box = erasedBox(out, x.dataSync(), 32, 32, -1);
      expect(box.count).toBe(256); // 16 x 16 = 0.25 * 32 * 32
      expect(box.bottom - box.top).toBe(15);
      tops.add(box.top);
    }
    expect(tops.size).toBeGreaterThan(3);
    x.dispose();
  });

  it('trains with an area drawn from the range, and erases nothing at area 0', () => {
    const x = randomImages([1, 20, 20, 3], 3, -0.9, 0.9);
    const none = tf.tidy(() => (eraseFactory.create({ area: 0 }).apply(x, seededContext('eval')) as tf.Tensor).dataSync());
    expect(Array.from(none)).toEqual(Array.from(x.dataSync()));
    const erase = eraseFactory.create({ trainAreaRange: [0.04, 0.16] });
    for (let seed = 0; seed < 8; seed++) {
      const out = tf.tidy(() => (erase.apply(x, seededContext('train', seed)) as tf.Tensor).dataSync());
      const erased = out.filter((v) => v === -1).length / 3;
      // Sides round(sqrt(a) * 20) for a in [0.04, 0.16]: 4 to 8 pixels.
      expect(erased).toBeGreaterThanOrEqual(16);
      expect(erased).toBeLessThanOrEqual(64);
    }
    x.dispose();
  });

  it('passes gradient 1 outside the window and 0 inside', () => {
    const x = randomImages([1, 6, 6, 2], 4);
    const grad = tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(eraseWindow(input as tf.Tensor4D, { top: 1, left: 2, height: 3, width: 2 })))(x).dataSync());
    let zeros = 0;
    grad.forEach((g) => { expect([0, 1]).toContain(g); if (g === 0) zeros++; });
    expect(zeros).toBe(3 * 2 * 2);
    x.dispose();
  });

  it('validates its parameters', () => {
    expect(() => eraseFactory.create({ area: 1 })).toThrow('erase: parameter "area" expects a number in [0, 1), got 1');
    expect(() => eraseFactory.create({ trainAreaRange: [0, 1] })).toThrow('erase: parameter "trainAreaRange" expects a high end < 1');
  });
});
