import * as tf from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@attrib/testing/backend';
import { expectNoGrowth } from '@attrib/testing/no-growth';
import { createRng } from '@attrib/testing/random';
import { AdamUpdate, adamUpdate, composedAdamUpdate, type AdamUpdateAttrs } from '../ops/adam-update-op.js';

/** Values spread over several orders of magnitude, as gradients are; `positive` for second moments. */
function values(size: number, seed: number, positive = false): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => {
    const value = rng.normal() * 10 ** Math.floor(rng.uniform() * 8 - 5);
    return positive ? value * value : value;
  });
}

/** The three results' values, as one array per result. */
function run(update: typeof adamUpdate, size: number, attrs: AdamUpdateAttrs): Float32Array[] {
  return tf.tidy(() => {
    const [p, m, v, g] = [values(size, 1), values(size, 2), values(size, 3, true), values(size, 4)].map((a) => tf.tensor1d(a));
    return update(p!, m!, v!, g!, attrs).map((t) => t.dataSync() as Float32Array);
  });
}

const steps: AdamUpdateAttrs[] = [
  { beta1: 0.5, beta2: 0.999, correction2: Math.sqrt(1 - 0.999), epsilon: 1e-8, stepSize: 0.0002 / (1 - 0.5) },
  { beta1: 0.9, beta2: 0.999, correction2: Math.sqrt(1 - 0.999 ** 37), epsilon: 1e-8, stepSize: 0.001 / (1 - 0.9 ** 37) },
  { beta1: 0, beta2: 0.5, correction2: 1, epsilon: 1e-3, stepSize: 0.1 },
];

describe('the wasm AdamUpdate kernel (one pass)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('is registered on wasm', () => {
    expect(getKernel(AdamUpdate, 'wasm')).toBeDefined();
  });

  // Sizes below 4 and past a multiple of 4 exercise the scalar tail; the large ones the SIMD loop.
  it.each([1, 3, 4, 7, 64, 1001, 409_600])('matches the composed tf ops bit for bit on wasm and cpu, %i values', async (size) => {
    for (const attrs of steps) {
      const kernel = run(adamUpdate, size, attrs);
      const wasmOps = run(composedAdamUpdate, size, attrs);
      await useBackend('cpu');
      const cpuOps = run(composedAdamUpdate, size, attrs);
      await useBackend('wasm');
      kernel.forEach((result, i) => {
        expect(Buffer.from(result.buffer).equals(Buffer.from(wasmOps[i]!.buffer))).toBe(true);
        expect(Buffer.from(result.buffer).equals(Buffer.from(cpuOps[i]!.buffer))).toBe(true);
      });
    }
  });

  it('moves a value against its gradient by about stepSize (the closed form of the first step)', () => {
    // From m = v = 0 with bias correction: m'/(sqrt(v')/c2) = g / |g|, so p' = p - lr * sign(g) (stepSize = lr / (1 - beta1)).
    const attrs: AdamUpdateAttrs = { beta1: 0.5, beta2: 0.999, correction2: Math.sqrt(1 - 0.999), epsilon: 0, stepSize: 0.01 / (1 - 0.5) };
    const [p] = tf.tidy(() => adamUpdate(tf.tensor1d([1, 1, 1, 1, 1]), tf.zeros([5]), tf.zeros([5]), tf.tensor1d([3, -0.2, 1e-3, -40, 7]), attrs)
      .map((t) => Array.from(t.dataSync())));
    const expected = [1 - 0.01, 1 + 0.01, 1 - 0.01, 1 + 0.01, 1 - 0.01];
    p!.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
  });

  it('frees what it makes', () => {
    const [p, m, v, g] = [values(1001, 5), values(1001, 6), values(1001, 7, true), values(1001, 8)].map((a) => tf.tensor1d(a));
    const step = (): void => tf.dispose(adamUpdate(p!, m!, v!, g!, steps[0]!));
    step();
    expectNoGrowth(step);
    tf.dispose([p!, m!, v!, g!]);
  });

  it('names a mis-shaped input', () => {
    tf.tidy(() => {
      expect(() => adamUpdate(tf.zeros([4]), tf.zeros([4]), tf.zeros([3]), tf.zeros([4]), steps[0]!)).toThrow('adamUpdate: v has shape [3], the variable [4]');
    });
  });
});
