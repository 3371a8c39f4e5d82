import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@attrib/testing/backend';
import {
  authenticHinge, cosineTargetPenalty, meanAuthenticHinge, keyedHinge, lpDistance, orthogonalityPenalty, shiftRegression, unitNormPenalty,
} from './losses.js';

beforeAll(() => useBackend('cpu'));

const value = (t: tf.Scalar): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));

describe('losses', () => {
  it('hinges are batch means of max(0, 1 -/+ s)', () => {
    const scores = tf.tensor1d([2, 0.5, -1, -3]);
    // h(1-s): 0, 0.5, 2, 4 -> 6.5/4; h(1+s): 3, 1.5, 0, 0 -> 4.5/4
    expect(value(authenticHinge(scores))).toBeCloseTo(6.5 / 4, 6);
    expect(value(keyedHinge(scores))).toBeCloseTo(4.5 / 4, 6);
    // a second key's scores 1, 3, 0, -1: h(1-s) 0, 0, 1, 2 -> 3/4; the mean over both keys (6.5/4 + 3/4) / 2
    const second = tf.tensor1d([1, 3, 0, -1]);
    expect(value(meanAuthenticHinge([scores, second]))).toBeCloseTo((6.5 / 4 + 3 / 4) / 2, 6);
    second.dispose();
    scores.dispose();
  });

  it('MSE and L1 average over every element', () => {
    const a = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const b = tf.tensor4d([0, 2, 5, 3], [1, 2, 2, 1]);
    expect(value(lpDistance(a, b, 2))).toBeCloseTo((1 + 0 + 4 + 1) / 4, 6);
    expect(value(lpDistance(a, b, 1))).toBeCloseTo((1 + 0 + 2 + 1) / 4, 6);
    tf.dispose([a, b]);
  });

  it('angle terms: sum |phi_j.phi| and 20|c - cos|, and the unit-norm term', () => {
    const p1 = [1, 2, 0, -1], p2 = [0, 1, 1, 1], phi = [2, -1, 3, 0.5];
    const previous = [tf.tensor1d(p1), tf.tensor1d(p2)];
    const key = tf.tensor1d(phi);
    expect(value(orthogonalityPenalty(previous, key))).toBeCloseTo(Math.abs(dot(p1, phi)) + Math.abs(dot(p2, phi)), 5);
    const cos = (a: number[], b: number[]) => dot(a, b) / (norm(a) * norm(b));
    expect(value(cosineTargetPenalty(previous, key, 0.7, 20))).toBeCloseTo(20 * Math.abs(0.7 - cos(p1, phi)) + 20 * Math.abs(0.7 - cos(p2, phi)), 4);
    expect(value(unitNormPenalty(key))).toBeCloseTo(Math.abs(1 - norm(phi)), 5);
    expect(value(orthogonalityPenalty([], key))).toBe(0);
    tf.dispose([...previous, key]);
  });

  it('shift regression targets G0(z) - gamma * u', () => {
    const generated = tf.tensor4d([0.5, 0.5], [1, 1, 2, 1]);
    const root = tf.tensor4d([1, 0], [1, 1, 2, 1]);
    const u = tf.tensor1d([0.6, 0.8]);
    // target = [1 - 1.2, 0 - 1.6] = [-0.2, -1.6]; errors 0.7, 2.1
    expect(value(shiftRegression(generated, root, u, 2))).toBeCloseTo((0.49 + 4.41) / 2, 5);
    tf.dispose([generated, root, u]);
  });
});
