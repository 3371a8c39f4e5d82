import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '../../util/rng.js';
import { maxRelativeError, useBackend, valuesOn } from '../../test-support/backend.js';
import { expectNoGrowth } from '../../test-support/no-growth.js';
import { keptFilterCount, transposedConvPath } from './conv2d-backprop-input.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  /** The transposed convolution's output (the forward conv's input): [batch, height, width, depth]. */
  outShape: [number, number, number, number];
  inDepth: number;
  kernel: [number, number];
  strides: [number, number];
  pad: Pad;
}

function randomArray(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => rng.normal());
}

function dyShape(c: Case): [number, number, number, number] {
  return tf.backend_util.computeConv2DInfo(
    c.outShape,
    [c.kernel[0], c.kernel[1], c.outShape[3], c.inDepth],
    c.strides,
    1,
    c.pad,
  ).outShape as [number, number, number, number];
}

function backpropInput(c: Case, dyValues: Float32Array, filterValues: Float32Array): tf.Tensor {
  const dy = tf.tensor4d(dyValues, dyShape(c));
  const filter = tf.tensor4d(filterValues, [c.kernel[0], c.kernel[1], c.outShape[3], c.inDepth]);
  return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
    inputShape: c.outShape,
    strides: c.strides,
    pad: c.pad,
    dataFormat: 'NHWC',
  }) as tf.Tensor;
}

const cases: Case[] = [];
for (const stride of [1, 2, 3]) {
  for (const pad of ['same', 'valid', 1, 2] as Pad[]) {
    for (const k of [1, 2, 3, 4, 5]) {
      const i = cases.length / 2;
      const size = 5 + (i % 5); // odd and even
      const geometry = { kernel: [k, k] as [number, number], strides: [stride, stride] as [number, number], pad };
      // Few output channels (one product by tap) and many (a convolution per phase).
      cases.push({ outShape: [1 + (i % 3), size, size + (i % 2), [1, 2, 3, 5][i % 4]!], inDepth: [1, 4, 3, 2][(i + 1) % 4]!, ...geometry });
      cases.push({ outShape: [1 + (i % 2), size, size + (i % 2), 65 + (i % 3)], inDepth: [1, 4, 3, 2][i % 4]!, ...geometry });
    }
  }
}
// DCGAN layers (k4 s2 p1 and k4 s1 p0 on a 1x1 input), a non-square kernel, explicit asymmetric
// padding, unequal strides, and padding beyond the filter (phases without taps).
cases.push({ outShape: [4, 16, 16, 6], inDepth: 8, kernel: [4, 4], strides: [2, 2], pad: 1 });
cases.push({ outShape: [3, 4, 4, 5], inDepth: 7, kernel: [4, 4], strides: [1, 1], pad: 'valid' });
cases.push({ outShape: [2, 2, 2, 3], inDepth: 5, kernel: [4, 4], strides: [2, 2], pad: 'same' }); // 1x1 input, cropped
cases.push({ outShape: [1, 4, 4, 6], inDepth: 9, kernel: [4, 4], strides: [1, 1], pad: 'valid' }); // 1x1 input, batch 1
cases.push({ outShape: [2, 9, 8, 3], inDepth: 2, kernel: [3, 2], strides: [2, 2], pad: 'same' });
cases.push({ outShape: [2, 7, 6, 3], inDepth: 2, kernel: [3, 3], strides: [2, 2], pad: [[0, 0], [2, 0], [1, 3], [0, 0]] });
cases.push({ outShape: [2, 7, 6, 3], inDepth: 2, kernel: [3, 3], strides: [1, 2], pad: 'same' });
cases.push({ outShape: [2, 5, 5, 2], inDepth: 3, kernel: [2, 2], strides: [2, 2], pad: 3 });
// The DCGAN output layers (1 and 3 channels), and many output channels with a small filter.
cases.push({ outShape: [3, 32, 32, 1], inDepth: 16, kernel: [4, 4], strides: [2, 2], pad: 1 });
cases.push({ outShape: [2, 64, 64, 3], inDepth: 8, kernel: [4, 4], strides: [2, 2], pad: 1 });
cases.push({ outShape: [2, 6, 6, 40], inDepth: 3, kernel: [2, 2], strides: [2, 2], pad: 'same' });
cases.push({ outShape: [2, 16, 16, 24], inDepth: 8, kernel: [4, 4], strides: [2, 2], pad: 1 });

/** k4 s2 p1 layers: a DCGAN-32 output layer, and one with 24 output channels. */
const dcgan32Output = cases.find((c) => c.outShape[1] === 32)!;
const hiddenLayer = cases.find((c) => c.outShape[1] === 16 && c.outShape[3] === 24)!;
/** A DCGAN's first layer: a 1x1 input to 4x4. */
const inputLayer = cases.find((c) => c.outShape[1] === 4 && c.outShape[0] === 3)!;

function pathOf(c: Case): string {
  const info = tf.backend_util.computeConv2DInfo(c.outShape, [c.kernel[0], c.kernel[1], c.outShape[3], c.inDepth], c.strides, 1, c.pad);
  return transposedConvPath(dyShape(c), [c.kernel[0], c.kernel[1], c.outShape[3], c.inDepth], c.outShape, c.strides, info.padInfo.top, info.padInfo.left).kind;
}

describe('wasm Conv2DBackpropInput (stride-1 convs per phase, a product by tap, or one product for a 1x1 input)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('the cases cover each of its three ways', () => {
    const counts: Record<string, number> = {};
    for (const c of cases) counts[pathOf(c)] = (counts[pathOf(c)] ?? 0) + 1;
    expect(counts['one-pixel']).toBeGreaterThanOrEqual(3);
    expect(counts['columns']).toBeGreaterThanOrEqual(50);
    expect(counts['phases']).toBeGreaterThanOrEqual(50);
    expect(pathOf(dcgan32Output)).toBe('columns');
    expect(pathOf(hiddenLayer)).toBe('phases');
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('matches the cpu backend for %s', async (_, c) => {
    expect(dyShape(c).every((d) => d > 0)).toBe(true);
    const dyValues = randomArray(dyShape(c).reduce((a, b) => a * b, 1), 3);
    const filterValues = randomArray(c.kernel[0] * c.kernel[1] * c.outShape[3] * c.inDepth, 4);
    const [expected] = await valuesOn('cpu', () => backpropInput(c, dyValues, filterValues));
    const [actual] = await valuesOn('wasm', () => backpropInput(c, dyValues, filterValues));
    expect(actual!.length).toBe(c.outShape.reduce((a, b) => a * b, 1));
    expect(maxRelativeError(actual!, expected!)).toBeLessThan(1e-4);
  });

  it.each([['phases', hiddenLayer], ['columns', dcgan32Output], ['one-pixel', inputLayer]] as const)('frees its intermediates over a loop (%s)', async (path, c) => {
    await useBackend('wasm');
    expect(pathOf(c)).toBe(path);
    const dyValues = randomArray(dyShape(c).reduce((a, b) => a * b, 1), 5);
    const filterValues = randomArray(c.kernel[0] * c.kernel[1] * c.outShape[3] * c.inDepth, 6);
    const step = (): void => void tf.tidy(() => backpropInput(c, dyValues, filterValues).dataSync());
    step();
    expectNoGrowth(step);
  });

  it('keeps a filter\'s sub-filters while the filter lives, and follows a variable\'s new values', async () => {
    await useBackend('wasm');
    const c = hiddenLayer;
    const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
    const filterShape = [c.kernel[0], c.kernel[1], c.outShape[3], c.inDepth] as [number, number, number, number];
    const dy = tf.tensor4d(randomArray(size(dyShape(c)), 7), dyShape(c));
    const run = (filter: tf.Tensor): Float32Array => {
      const out = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
        inputShape: c.outShape, strides: c.strides, pad: c.pad, dataFormat: 'NHWC',
      }) as tf.Tensor;
      const values = out.dataSync() as Float32Array;
      out.dispose();
      return values;
    };
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const first = randomArray(size(filterShape), 8);
    const second = randomArray(size(filterShape), 9);
    const initial = tf.tensor4d(first, filterShape);
    const filter = tf.variable(initial);
    initial.dispose(); // the variable now holds the only reference to these values
    const kept = keptFilterCount();
    const once = run(filter);
    expect(keptFilterCount()).toBe(kept + 1);
    const dataIds = backend.numDataIds();
    expect(Array.from(run(filter))).toEqual(Array.from(once));
    expect(backend.numDataIds()).toBe(dataIds); // nothing derived again
    const [expectedFirst] = await valuesOn('cpu', () => backpropInput(c, dy.dataSync() as Float32Array, first));
    expect(maxRelativeError(once, expectedFirst!)).toBeLessThan(1e-4);
    const next = tf.tensor4d(second, filterShape);
    filter.assign(next);
    next.dispose();
    const [expectedSecond] = await valuesOn('cpu', () => backpropInput(c, dy.dataSync() as Float32Array, second));
    expect(maxRelativeError(run(filter), expectedSecond!)).toBeLessThan(1e-4);
    expect(keptFilterCount()).toBe(kept + 1); // the first values' sub-filters were freed
    filter.dispose();
    expect(keptFilterCount()).toBe(kept);
    dy.dispose();
  });
});
