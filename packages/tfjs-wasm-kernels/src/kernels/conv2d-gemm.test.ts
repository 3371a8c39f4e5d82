import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { maxRelativeError, useBackend, valuesOn } from '@attrib/testing/backend';
import { expectNoGrowth } from '@attrib/testing/no-growth';
import { randomArray } from '@attrib/testing/transposed-conv-cases';
import { keptFilterCount } from './kept-filters.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  xShape: [number, number, number, number];
  kernel: [number, number];
  outDepth: number;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
}

const cases: Case[] = [];
for (const stride of [1, 2, 3]) {
  for (const pad of ['same', 'valid', 1, [[0, 0], [2, 0], [0, 1], [0, 0]]] as Pad[]) {
    for (const kernel of [[1, 1], [2, 3], [3, 3], [4, 4], [5, 2]] as Array<[number, number]>) {
      const i = cases.length;
      const dilation = stride === 1 && i % 3 === 0 ? 2 : 1; // tfjs allows dilation only with stride 1
      const size = 9 + (i % 4);
      cases.push({
        xShape: [1 + (i % 3), size, size + (i % 2), [4, 5, 8, 13, 16, 1, 2][i % 7]!],
        kernel, outDepth: [8, 16, 24, 5, 1, 3, 11][i % 7]!, strides: [stride, stride], dilations: [dilation, dilation], pad,
      });
    }
  }
}
// The DCGAN-32 convolutions that are the transposed convolutions' input gradients (the first a
// 1-channel image), and few input channels.
cases.push({ xShape: [2, 32, 32, 1], kernel: [4, 4], outDepth: 64, strides: [2, 2], dilations: [1, 1], pad: 1 });
cases.push({ xShape: [2, 16, 16, 64], kernel: [4, 4], outDepth: 128, strides: [2, 2], dilations: [1, 1], pad: 1 });
cases.push({ xShape: [2, 8, 8, 128], kernel: [4, 4], outDepth: 256, strides: [2, 2], dilations: [1, 1], pad: 1 });
cases.push({ xShape: [2, 9, 9, 2], kernel: [3, 3], outDepth: 16, strides: [1, 1], dilations: [1, 1], pad: 'same' });

function conv(c: Case, x: Float32Array, filter: Float32Array): tf.Tensor {
  return tf.conv2d(tf.tensor4d(x, c.xShape), tf.tensor4d(filter, [...c.kernel, c.xShape[3], c.outDepth]), c.strides, c.pad, 'NHWC', c.dilations);
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

describe('wasm Conv2D by the indirect matrix product', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('matches the cpu backend for %s', async (_, c) => {
    const x = randomArray(size(c.xShape), 1);
    const filter = randomArray(size([...c.kernel, c.xShape[3], c.outDepth]), 2);
    const [expected] = await valuesOn('cpu', () => conv(c, x, filter));
    const [actual] = await valuesOn('wasm', () => conv(c, x, filter));
    expect(actual!.length).toBe(expected!.length);
    expect(maxRelativeError(actual!, expected!)).toBeLessThan(1e-4);
  });

  it('follows dimRoundingMode: the same input and filter shapes give floor and ceil outputs of different sizes', async () => {
    const x = randomArray(8 * 8 * 8, 8);
    const filter = randomArray(3 * 3 * 8 * 8, 9);
    for (const mode of ['floor', 'ceil', 'floor'] as const) {
      const run = (): tf.Tensor => tf.conv2d(tf.tensor4d(x, [1, 8, 8, 8]), tf.tensor4d(filter, [3, 3, 8, 8]), 2, 1, 'NHWC', 1, mode);
      const [expected] = await valuesOn('cpu', run);
      const [actual] = await valuesOn('wasm', run);
      expect(actual!.length).toBe(mode === 'floor' ? 4 * 4 * 8 : 5 * 5 * 8);
      expect(maxRelativeError(actual!, expected!)).toBeLessThan(1e-4);
    }
  });

  it('frees its intermediates over a loop', async () => {
    await useBackend('wasm');
    const c = cases.at(-2)!;
    const x = randomArray(size(c.xShape), 3);
    const filter = randomArray(size([...c.kernel, c.xShape[3], c.outDepth]), 4);
    const step = (): void => void tf.tidy(() => conv(c, x, filter).dataSync());
    step();
    expectNoGrowth(step);
  });

  it('keeps a filter\'s panels while it lives and follows a variable\'s new values', async () => {
    await useBackend('wasm');
    const c = cases.at(-3)!;
    const filterShape = [...c.kernel, c.xShape[3], c.outDepth] as [number, number, number, number];
    const xValues = randomArray(size(c.xShape), 5);
    const x = tf.tensor4d(xValues, c.xShape);
    const run = (filter: tf.Tensor4D): Float32Array => tf.tidy(() => Float32Array.from(tf.conv2d(x, filter, c.strides, c.pad).dataSync()));
    const first = randomArray(size(filterShape), 6);
    const second = randomArray(size(filterShape), 7);
    const initial = tf.tensor4d(first, filterShape);
    const filter = tf.variable(initial);
    initial.dispose();
    const kept = keptFilterCount();
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const once = run(filter);
    expect(keptFilterCount()).toBe(kept + 1);
    const dataIds = backend.numDataIds();
    expect(Array.from(run(filter))).toEqual(Array.from(once));
    expect(backend.numDataIds()).toBe(dataIds); // nothing packed again
    const next = tf.tensor4d(second, filterShape);
    filter.assign(next);
    next.dispose();
    const [expectedFirst, expectedSecond] = await valuesOn('cpu', () => [conv(c, xValues, first), conv(c, xValues, second)]);
    expect(maxRelativeError(once, expectedFirst!)).toBeLessThan(1e-4);
    expect(maxRelativeError(run(filter), expectedSecond!)).toBeLessThan(1e-4);
    expect(keptFilterCount()).toBe(kept + 1); // the first values' panels were freed
    filter.dispose();
    expect(keptFilterCount()).toBe(kept);
    x.dispose();
  });
});
