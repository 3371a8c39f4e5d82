import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, valuesOn } from '@attrib/testing/backend';
import { simplifyTranspose } from './transpose.js';

describe('simplifyTranspose', () => {
  it('merges neighbours that stay in order and drops size-1 dimensions', () => {
    expect(simplifyTranspose([2, 2, 2, 2, 128, 256], [0, 2, 1, 3, 4, 5])).toEqual({
      shape: [2, 2, 2, 65536],
      perm: [0, 2, 1, 3],
    });
    expect(simplifyTranspose([16, 4, 4, 2, 2, 128], [0, 1, 3, 2, 4, 5])).toEqual({
      shape: [64, 4, 2, 256],
      perm: [0, 2, 1, 3],
    });
    expect(simplifyTranspose([3, 1, 4], [2, 1, 0])).toEqual({ shape: [3, 4], perm: [1, 0] });
    expect(simplifyTranspose([2, 3, 4], [0, 1, 2])).toEqual({ shape: [24], perm: [0] });
    expect(simplifyTranspose([1, 1], [1, 0])).toEqual({ shape: [], perm: [] });
  });
});

describe('wasm Transpose', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('matches the cpu backend for ranks 1 to 6, every kind of permutation, and dtypes', async () => {
    const settings: Array<[number[], number[], 'float32' | 'int32' | 'bool']> = [
      [[5], [0], 'float32'],
      [[3, 4], [1, 0], 'float32'],
      [[1, 1], [1, 0], 'float32'],
      [[2, 1, 3], [2, 1, 0], 'int32'],
      [[2, 3, 4], [0, 2, 1], 'float32'],
      [[2, 3, 4], [0, 1, 2], 'float32'],
      [[4, 4, 3, 5], [3, 2, 0, 1], 'float32'],
      [[2, 3, 1, 4, 5], [4, 0, 3, 2, 1], 'float32'],
      [[2, 2, 2, 2, 3, 5], [0, 2, 1, 3, 4, 5], 'float32'],
      [[2, 3, 2, 3, 2, 3], [5, 3, 1, 4, 2, 0], 'float32'],
      [[3, 2, 2, 2, 2, 4], [0, 1, 3, 2, 4, 5], 'bool'],
    ];
    for (const [shape, perm, dtype] of settings) {
      const size = shape.reduce((a, b) => a * b, 1);
      const compute = (): tf.Tensor => {
        const values = Array.from({ length: size }, (_, i) => (dtype === 'bool' ? (i * 7) % 3 === 0 : i * 0.5 - 7));
        return tf.cast(tf.transpose(tf.tensor(values as number[], shape, dtype), perm), 'float32');
      };
      const [expected] = await valuesOn('cpu', compute);
      const [actual] = await valuesOn('wasm', compute);
      expect(Array.from(actual!), JSON.stringify([shape, perm, dtype])).toEqual(Array.from(expected!));
    }
  });

  it('keeps the output shape and leaks nothing', async () => {
    await useBackend('wasm');
    const x = tf.randomNormal([2, 2, 2, 2, 3, 5]);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const tensors = tf.memory().numTensors;
    const dataIds = backend.numDataIds();
    for (let i = 0; i < 5; i++) {
      const y = tf.transpose(x, [0, 2, 1, 3, 4, 5]);
      expect(y.shape).toEqual([2, 2, 2, 2, 3, 5]);
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(dataIds);
    x.dispose();
  });
});
