import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { maxRelativeError, useBackend, valuesOn } from '@attrib/testing/backend';
import { expectNoGrowth } from '@attrib/testing/no-growth';
import { registerWasmTrainingKernels } from '../register-wasm-kernels.js';

describe('wasm kernel fixes', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('oneHot honours float32 dtype and on/off values like the cpu backend', async () => {
    const compute = (): tf.Tensor[] => {
      const ids = tf.tensor2d([[0, 3], [2, -1], [5, 1]], [3, 2], 'int32');
      return [
        tf.oneHot(ids, 4, 0.9, 0.1, 'float32'),
        tf.oneHot(ids, 4, 1, 0, 'float32'),
        tf.oneHot(ids, 4, 3, -2), // int32 path
      ];
    };
    const expected = await valuesOn('cpu', compute);
    const actual = await valuesOn('wasm', compute);
    for (let i = 0; i < expected.length; i++) expect(Array.from(actual[i]!)).toEqual(Array.from(expected[i]!));
    expect(Array.from(expected[0]!.slice(0, 4)).map((v) => Number(v.toFixed(6)))).toEqual([0.9, 0.1, 0.1, 0.1]);
  });

  it('unsortedSegmentSum ignores out-of-range ids and sums repeats like the cpu backend', async () => {
    const compute = (): tf.Tensor =>
      tf.unsortedSegmentSum(
        tf.tensor3d(Array.from({ length: 5 * 2 * 3 }, (_, i) => Math.cos(i)), [5, 2, 3]),
        tf.tensor1d([2, 0, 2, -1, 7], 'int32'),
        4,
      );
    const [expected] = await valuesOn('cpu', compute);
    const [actual] = await valuesOn('wasm', compute);
    expect(maxRelativeError(actual!, expected!)).toBeLessThan(1e-6);
  });

  it('tile matches the cpu backend for many shapes, reps and dtypes', async () => {
    const settings: Array<[number[], number[], 'float32' | 'int32' | 'bool']> = [
      [[1, 1, 1, 64], [16, 16, 16, 1], 'float32'], // the batch-norm gradient's case
      [[2, 3], [2, 3], 'float32'],
      [[3], [4], 'float32'],
      [[2, 1, 3], [1, 5, 1], 'float32'],
      [[2, 3, 1, 2], [3, 1, 2, 2], 'int32'],
      [[2, 2, 2, 2, 2], [2, 2, 2, 2, 2], 'float32'], // 10 broadcast dims: the shipped kernel
      [[1, 1], [1, 1], 'float32'],
      [[2, 3], [2, 1], 'bool'],
    ];
    for (const [shape, reps, dtype] of settings) {
      const size = shape.reduce((a, b) => a * b, 1);
      const compute = (): tf.Tensor => {
        const values = Array.from({ length: size }, (_, i) => (dtype === 'bool' ? i % 2 : i * 1.5 - 3));
        return tf.cast(tf.tile(tf.tensor(values, shape, dtype), reps), 'float32');
      };
      const [expected] = await valuesOn('cpu', compute);
      const [actual] = await valuesOn('wasm', compute);
      expect(Array.from(actual!), JSON.stringify([shape, reps, dtype])).toEqual(Array.from(expected!));
    }
  });

  it('depthToSpace matches the cpu backend', async () => {
    const settings: Array<[[number, number, number, number], number]> = [
      [[2, 3, 4, 8], 2],
      [[1, 2, 3, 27], 3],
      [[3, 1, 1, 4], 2],
    ];
    for (const [shape, block] of settings) {
      const size = shape.reduce((a, b) => a * b, 1);
      const compute = (): tf.Tensor =>
        tf.depthToSpace(tf.tensor4d(Array.from({ length: size }, (_, i) => Math.sin(i)), shape), block);
      const [expected] = await valuesOn('cpu', compute);
      const [actual] = await valuesOn('wasm', compute);
      expect(Array.from(actual!)).toEqual(Array.from(expected!));
    }
  });

  it('clone shares the data of its input: no copy, and either may be disposed first', async () => {
    await useBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const x = tf.tensor2d([[1.5, -2], [3, 4.25]]);
    const copy = tf.clone(x);
    const copyOfCopy = tf.clone(copy);
    expect(backend.numDataIds()).toBe(before + 1);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1.5, -2, 3, 4.25]);
    copy.dispose();
    expect(Array.from(copyOfCopy.dataSync())).toEqual([1.5, -2, 3, 4.25]);
    copyOfCopy.dispose();
    expect(backend.numDataIds()).toBe(before);
    const text = tf.tensor1d(['a', 'b'], 'string');
    const textCopy = tf.clone(text);
    expect(textCopy.dataSync()).toEqual(['a', 'b']);
    tf.dispose([text, textCopy]);
  });

  it('registering again is a no-op', () => {
    expect(registerWasmTrainingKernels()).toEqual([]);
  });

  it('leaves no tensor and no wasm buffer behind over a loop of composed kernels', async () => {
    await useBackend('wasm');
    const x = tf.randomNormal([2, 6, 5, 4], 0, 1, 'float32', 5) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 4, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const step = (): void => {
      tf.tidy(() => {
        const loss = (xx: tf.Tensor, ww: tf.Tensor): tf.Scalar => {
          const y = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 2, 'same');
          const up = tf.image.resizeBilinear(y, [7, 9], false, true);
          const near = tf.image.resizeNearestNeighbor(y, [5, 4], false, true);
          const pooled = tf.maxPool(xx as tf.Tensor4D, 3, 2, 'same');
          const picked = tf.gather(tf.reshape(xx, [12, 20]), tf.tensor1d([3, 3, 0], 'int32'));
          const hot = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 3, 0.5, 0.25, 'float32');
          const tiled = tf.tile(tf.slice(xx, [0, 0, 0, 0], [1, 1, 1, 4]), [2, 3, 3, 1]);
          const spread = tf.depthToSpace(xx as tf.Tensor4D, 2);
          const transposed = tf.conv2dTranspose(y, ww as tf.Tensor4D, [2, 6, 5, 4], 2, 'same');
          return tf.addN([tf.sum(up), tf.sum(tf.square(near)), tf.sum(pooled), tf.sum(picked), tf.sum(hot),
            tf.sum(tf.square(tiled)), tf.sum(tf.square(spread)), tf.sum(tf.square(transposed))]) as tf.Scalar;
        };
        const grads = tf.grads(loss)([x, w]);
        grads.forEach((g) => g.dataSync());
      });
    };
    step();
    expectNoGrowth(step);
    tf.dispose([x, w]);
  });
});
