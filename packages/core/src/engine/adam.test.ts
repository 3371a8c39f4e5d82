import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@attrib/testing/backend';
import { expectNoGrowth } from '@attrib/testing/no-growth';
import { createRng } from '../util/rng.js';
import { Adam } from './adam.js';

beforeAll(() => useBackend('cpu'));

/** PyTorch's Adam update written out in plain JS doubles. */
function referenceAdam(start: number[], gradients: number[][], lr: number, b1: number, b2: number, eps = 1e-8): number[] {
  const p = [...start];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  gradients.forEach((g, step) => {
    const t = step + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
      const denominator = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps;
      p[i] = p[i]! - (lr / (1 - b1 ** t)) * (m[i]! / denominator);
    }
  });
  return p;
}

/** Applies each gradient in turn to `variable`. */
function applyEach(adam: Adam, variable: tf.Variable, gradients: number[][]): void {
  for (const g of gradients) {
    const grad = tf.tensor1d(g);
    adam.apply({ [variable.name]: grad });
    grad.dispose();
  }
}

describe('Adam', () => {
  it('steps as PyTorch Adam does, including bias correction', () => {
    const start = [0.5, -1.25, 2];
    const gradients = [[0.1, -3, 0], [0.2, 1, 1e-3], [-0.4, 0.5, 2]];
    const variable = tf.variable(tf.tensor1d(start));
    const adam = new Adam([variable], { lr: 0.01, beta1: 0.5, beta2: 0.99 });
    applyEach(adam, variable, gradients);
    const expected = referenceAdam(start, gradients, 0.01, 0.5, 0.99);
    const actual = Array.from(variable.dataSync());
    actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 6));
    adam.dispose();
    variable.dispose();
  });

  it('leaves a variable without a gradient untouched and resumes exactly from its saved state', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([3]));
    const adam = new Adam([a, b], { lr: 0.1, beta1: 0.9, beta2: 0.999 });
    const g = tf.tensor1d([1, -1]);
    adam.apply({ [a.name]: g });
    expect(Array.from(b.dataSync())).toEqual([3]);
    const saved = adam.state('opt');
    expect(Object.keys(saved).sort()).toEqual(['opt.m.0', 'opt.m.1', 'opt.step', 'opt.v.0', 'opt.v.1']);

    const a2 = tf.variable(a.clone());
    const restored = new Adam([a2, tf.variable(tf.tensor1d([3]))], { lr: 0.1, beta1: 0.9, beta2: 0.999 });
    restored.loadState('opt', saved);
    adam.apply({ [a.name]: g });
    restored.apply({ [a2.name]: g });
    expect(Array.from(a2.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(restored.step).toBe(2);
    expect(() => restored.loadState('other', saved)).toThrow('optimizer state other: missing other.step');
    tf.dispose([g, a, b, a2, ...Object.values(saved)]);
    adam.dispose();
    restored.dispose();
  });

  it.each(['wasm', 'cpu'] as const)('steps as PyTorch Adam does on %s, on 10,000 values over 5 steps', async (backend) => {
    await useBackend(backend);
    const rng = createRng(11);
    const start = Array.from({ length: 10_000 }, () => rng.normal());
    const gradients = Array.from({ length: 5 }, () => start.map(() => rng.normal() * 10 ** Math.floor(rng.uniform() * 6 - 3)));
    const variable = tf.variable(tf.tensor1d(start));
    const adam = new Adam([variable], { lr: 0.002, beta1: 0.5, beta2: 0.999 });
    applyEach(adam, variable, gradients);
    const expected = referenceAdam(start, gradients, 0.002, 0.5, 0.999);
    const actual = variable.dataSync();
    let worst = 0;
    expected.forEach((value, i) => (worst = Math.max(worst, Math.abs(actual[i]! - value))));
    // float32 parameters of size ~1 moved by ~0.002 per step: a few float32 ulps.
    expect(worst).toBeLessThan(1e-6);
    adam.dispose();
    variable.dispose();
    await useBackend('cpu');
  });

  it('keeps the tensor count over 50 steps on wasm', async () => {
    await useBackend('wasm');
    const variables = [tf.variable(tf.randomNormal([64, 32])), tf.variable(tf.randomNormal([7]))];
    const adam = new Adam(variables, { lr: 0.01, beta1: 0.9, beta2: 0.999 });
    const grads = Object.fromEntries(variables.map((v) => [v.name, tf.randomNormal(v.shape)]));
    adam.apply(grads);
    expectNoGrowth(() => adam.apply(grads), 50);
    expect(adam.step).toBe(51);
    tf.dispose([...variables, ...Object.values(grads)]);
    adam.dispose();
    await useBackend('cpu');
  });
});
