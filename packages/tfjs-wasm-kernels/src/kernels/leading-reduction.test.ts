import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@attrib/testing/random';
import { maxRelativeError, useBackend, valuesOn } from '@attrib/testing/backend';
import { expectNoGrowth } from '@attrib/testing/no-growth';

/** [shape, axis, keepDims]: leading axes (the product) and others (the shipped kernels). */
const cases: Array<[number[], number | number[], boolean]> = [
  [[16, 32, 32, 64], [0, 1, 2], false], // batch norm over a DCGAN-64 map
  [[16, 8, 8, 128], [0, 1, 2], true],
  [[5, 7], 0, false],
  [[3, 4, 5], [1, 0], true], // leading axes in any order
  [[3, 4, 5], [-3, -2], false], // negative axes
  [[6, 2, 3], [0, 1, 2], false], // every axis: a scalar
  [[6, 2, 3], [0, 1, 2], true],
  [[9], 0, false],
  [[4, 5, 6], [1, 2], false], // trailing axes
  [[4, 5, 6], [0, 2], true], // not contiguous
  [[4, 0, 3], [0, 1], false], // empty
  [[100, 32, 32, 3], [0, 1, 2], false], // a window of 102,400 rows
];

function input(shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  const rng = createRng(shape.length * 31 + shape[0]!);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, () => (dtype === 'int32' ? Math.floor(rng.uniform() * 20 - 10) : rng.normal() + 0.3));
  return tf.tensor(values, shape, dtype);
}

async function shapesOn(backend: 'wasm' | 'cpu', compute: () => tf.Tensor[]): Promise<number[][]> {
  await useBackend(backend);
  const shapes = tf.tidy(() => compute().map((t) => t.shape));
  await useBackend('wasm');
  return shapes;
}

describe('wasm Sum and Mean over leading axes (one average pooling)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('match the cpu backend for %s', async (_, [shape, axis, keepDims]) => {
    const compute = (): tf.Tensor[] => {
      const x = input(shape);
      return [tf.sum(x, axis, keepDims), tf.mean(x, axis, keepDims)];
    };
    const expected = await valuesOn('cpu', compute);
    const actual = await valuesOn('wasm', compute);
    expect(await shapesOn('wasm', compute)).toEqual(await shapesOn('cpu', compute));
    for (let i = 0; i < 2; i++) {
      expect(actual[i]!.length).toBe(expected[i]!.length);
      if (expected[i]!.length > 0 && expected[i]!.every((v) => Number.isFinite(v))) {
        expect(maxRelativeError(actual[i]!, expected[i]!)).toBeLessThan(1e-5);
      } else {
        expect(Array.from(actual[i]!)).toEqual(Array.from(expected[i]!));
      }
    }
  });

  it('leave int32 to the shipped kernel, exactly', async () => {
    const compute = (): tf.Tensor => tf.sum(input([6, 4], 'int32'), 0);
    const [expected] = await valuesOn('cpu', compute);
    const [actual] = await valuesOn('wasm', compute);
    expect(Array.from(actual!)).toEqual(Array.from(expected!));
  });

  it('free their intermediates over a loop', async () => {
    await useBackend('wasm');
    const x = input([16, 8, 8, 32]);
    const step = (): void => void tf.tidy(() => [tf.sum(x, [0, 1, 2]).dataSync(), tf.mean(x, [0, 1, 2], true).dataSync()]);
    step();
    expectNoGrowth(step);
    x.dispose();
  });
});
