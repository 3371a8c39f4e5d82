import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { maxRelativeError, useBackend, valuesOn } from '@attrib/testing/backend';
import { expectNoGrowth } from '@attrib/testing/no-growth';
import { keptFilterCount } from './kept-filters.js';
import { cases, conv2dPhaseLayer, dcgan32Output, dyShape, hiddenLayer, inputLayer, pathOf, randomArray, type Case } from '@attrib/testing/transposed-conv-cases';

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

describe('wasm Conv2DBackpropInput (stride-1 convs per phase, a product by tap, or one product for a 1x1 input)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('the cases cover each of its four ways', () => {
    const counts: Record<string, number> = {};
    for (const c of cases) counts[pathOf(c)] = (counts[pathOf(c)] ?? 0) + 1;
    expect(counts['one-pixel']).toBeGreaterThanOrEqual(3);
    expect(counts['columns']).toBeGreaterThanOrEqual(50);
    expect(counts['phases']).toBeGreaterThanOrEqual(40);
    expect(counts['phases-gemm']).toBeGreaterThanOrEqual(40);
    expect(pathOf(dcgan32Output)).toBe('columns');
    expect(pathOf(hiddenLayer)).toBe('phases-gemm');
    expect(pathOf(conv2dPhaseLayer)).toBe('phases');
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

  it.each([['phases-gemm', hiddenLayer], ['phases', conv2dPhaseLayer], ['columns', dcgan32Output], ['one-pixel', inputLayer]] as const)('frees its intermediates over a loop (%s)', async (path, c) => {
    await useBackend('wasm');
    expect(pathOf(c)).toBe(path);
    const dyValues = randomArray(dyShape(c).reduce((a, b) => a * b, 1), 5);
    const filterValues = randomArray(c.kernel[0] * c.kernel[1] * c.outShape[3] * c.inDepth, 6);
    const step = (): void => void tf.tidy(() => backpropInput(c, dyValues, filterValues).dataSync());
    step();
    expectNoGrowth(step);
  });

  it.each([['phases-gemm', hiddenLayer], ['phases', conv2dPhaseLayer]] as const)('keeps a filter\'s sub-filters while the filter lives, and follows a variable\'s new values (%s)', async (path, c) => {
    await useBackend('wasm');
    expect(pathOf(c)).toBe(path);
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
    // The product keeps one set per filter; per phase, the backend's Conv2D (ours) also keeps the
    // packed panels of each sub-filter.
    const keptAfter = keptFilterCount();
    if (path === 'phases-gemm') expect(keptAfter).toBe(kept + 1);
    else expect(keptAfter).toBeGreaterThan(kept + 1);
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
    expect(keptFilterCount()).toBe(keptAfter); // the first values' sub-filters were freed
    filter.dispose();
    expect(keptFilterCount()).toBe(kept);
    dy.dispose();
  });
});
