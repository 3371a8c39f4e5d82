import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@attrib/testing/random';
import { maxRelativeError, useBackend, valuesOn } from '@attrib/testing/backend';
import { expectNoGrowth } from '@attrib/testing/no-growth';

interface Case {
  readonly x: number[];
  /** Shapes of mean, variance, offset, scale; null leaves offset or scale out. */
  readonly stats: [number[], number[], number[] | null, number[] | null];
}

const cases: Case[] = [
  { x: [16, 16, 16, 64], stats: [[64], [64], [64], [64]] }, // a DCGAN hidden layer
  { x: [3, 4, 5, 6], stats: [[1, 1, 1, 6], [1, 1, 1, 6], null, null] },
  { x: [7, 6], stats: [[6], [6], [6], null] },
  { x: [2, 3, 4], stats: [[], [], null, []] }, // single values
  { x: [5], stats: [[5], [5], [5], [5]] },
  { x: [2, 3, 4, 6], stats: [[2, 3, 4, 6], [2, 3, 4, 6], [2, 3, 4, 6], [2, 3, 4, 6]] }, // full-shape statistics: the shipped kernel
];

function values(shape: number[], seed: number, positive = false): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => (positive ? 0.1 + rng.uniform() * 3 : rng.normal() * 2)), shape);
}

function batchNorm(c: Case): tf.Tensor {
  const [meanShape, varianceShape, offsetShape, scaleShape] = c.stats;
  const x = tf.add(values(c.x, 1), 0.5);
  const mean = values(meanShape, 2);
  const variance = values(varianceShape, 3, true);
  const offset = offsetShape === null ? undefined : values(offsetShape, 4);
  const scale = scaleShape === null ? undefined : values(scaleShape, 5);
  return tf.batchNorm(x, mean as tf.Tensor1D, variance as tf.Tensor1D, offset as tf.Tensor1D | undefined, scale as tf.Tensor1D | undefined, 1e-5);
}

describe('wasm FusedBatchNorm (a per-channel multiply-add through a 1x1 depthwise convolution)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('matches the cpu backend for %s', async (_, c) => {
    const [expected] = await valuesOn('cpu', () => batchNorm(c));
    const [actual] = await valuesOn('wasm', () => batchNorm(c));
    expect(actual!.length).toBe(c.x.reduce((a, b) => a * b, 1));
    expect(maxRelativeError(actual!, expected!)).toBeLessThan(1e-5);
  });

  it('frees its intermediates over a loop', async () => {
    await useBackend('wasm');
    const step = (): void => void tf.tidy(() => batchNorm(cases[0]!).dataSync());
    step();
    expectNoGrowth(step);
  });
});
