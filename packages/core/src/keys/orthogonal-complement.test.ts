import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@attrib/testing/backend';
import { createRng } from '../util/rng.js';
import { OrthogonalComplement } from './orthogonal-complement.js';

beforeAll(async () => {
  await useBackend('cpu');
});

function gaussian(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => rng.normal());
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe('OrthogonalComplement', () => {
  const d = 300;
  const keys = [gaussian(d, 1), gaussian(d, 2), gaussian(d, 3)];

  it('leaves a vector with no component along the keys (float64 dot products)', () => {
    const complement = new OrthogonalComplement(keys, d);
    const v = gaussian(d, 4);
    const projected = tf.tidy(() => complement.project(tf.tensor1d(Float32Array.from(v))).dataSync());
    const scale = Math.hypot(...v);
    for (const key of keys) expect(Math.abs(dot(key, projected)) / (Math.hypot(...key) * scale)).toBeLessThan(1e-6);
    // The removed part lies in the keys' span: v - projected solves the 3x3 normal equations exactly.
    const removed = Array.from(v, (x, i) => x - projected[i]!);
    const residual = removed.slice();
    const gram = keys.map((a) => keys.map((b) => dot(a, b)));
    const rhs = keys.map((k) => dot(k, removed));
    const c = solve3(gram, rhs);
    for (let i = 0; i < d; i++) residual[i]! -= c[0]! * keys[0]![i]! + c[1]! * keys[1]![i]! + c[2]! * keys[2]![i]!;
    expect(Math.hypot(...residual) / scale).toBeLessThan(1e-5);
    complement.dispose();
  });

  it('keeps a vector already orthogonal to the keys, and ignores a key in the span of earlier ones', () => {
    const dependent = Float64Array.from(keys[0]!, (x, i) => 2 * x - keys[1]![i]!);
    const complement = new OrthogonalComplement([...keys, dependent], d);
    const v = tf.tidy(() => complement.project(tf.tensor1d(Float32Array.from(gaussian(d, 5)))));
    const again = tf.tidy(() => complement.project(v));
    const a = v.dataSync();
    const b = again.dataSync();
    for (let i = 0; i < d; i++) expect(b[i]).toBeCloseTo(a[i]!, 4);
    tf.dispose([v, again]);
    complement.dispose();
  });

  it('is the identity without keys, and refuses a key of the wrong length', () => {
    const none = new OrthogonalComplement([], d);
    const v = gaussian(d, 6);
    const out = tf.tidy(() => none.project(tf.tensor1d(Float32Array.from(v))).dataSync());
    for (let i = 0; i < d; i++) expect(out[i]).toBeCloseTo(v[i]!, 5);
    expect(() => new OrthogonalComplement([new Float64Array(3)], d)).toThrow(/key of 3 values; expected 300/);
  });
});

/** Cramer's rule for a 3x3 system (float64). */
function solve3(m: number[][], r: number[]): number[] {
  const det = (a: number[][]) => a[0]![0]! * (a[1]![1]! * a[2]![2]! - a[1]![2]! * a[2]![1]!)
    - a[0]![1]! * (a[1]![0]! * a[2]![2]! - a[1]![2]! * a[2]![0]!)
    + a[0]![2]! * (a[1]![0]! * a[2]![1]! - a[1]![1]! * a[2]![0]!);
  const base = det(m);
  return [0, 1, 2].map((col) => det(m.map((row, i) => row.map((x, j) => (j === col ? r[i]! : x)))) / base);
}
