import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { maxRelativeError, useBackend, valuesOn } from '@attrib/testing/backend';
import { expectNoGrowth } from '@attrib/testing/no-growth';
import { cases, conv2dPhaseLayer, dcgan32Output, dyShape, hiddenLayer, inputLayer, pathOf, randomArray, type Case } from '@attrib/testing/transposed-conv-cases';
import { ConvTransposeAffine, convTranspose2dAffine, type AffineActivation } from './conv-transpose-affine-op.js';
import { keptFilterCount } from '../kernels/kept-filters.js';

interface Inputs {
  x: Float32Array;
  filter: Float32Array;
  scale: Float32Array;
  shift: Float32Array;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const filterShape = (c: Case): [number, number, number, number] => [c.kernel[0], c.kernel[1], c.outShape[3], c.inDepth];

function inputsFor(c: Case, seed: number): Inputs {
  const channels = c.outShape[3];
  // Scales of both signs and shifts of either sign, so ReLU cuts a good share of the outputs.
  return {
    x: randomArray(size(dyShape(c)), seed),
    filter: randomArray(size(filterShape(c)), seed + 1),
    scale: randomArray(channels, seed + 2).map((v) => v + Math.sign(v) * 0.5),
    shift: randomArray(channels, seed + 3),
  };
}

function tensorsOf(c: Case, v: Inputs): [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  return [tf.tensor4d(v.x, dyShape(c)), tf.tensor4d(v.filter, filterShape(c)), tf.tensor1d(v.scale), tf.tensor1d(v.shift)];
}

function fused(c: Case, v: Inputs, activation: AffineActivation): tf.Tensor {
  const [x, filter, scale, shift] = tensorsOf(c, v);
  return convTranspose2dAffine(x, filter, c.outShape, c.strides, c.pad, scale, shift, activation);
}

/** The reference: the cpu backend's own transposed convolution, then the map, as separate ops. */
function reference(c: Case, v: Inputs, activation: AffineActivation): tf.Tensor {
  const [x, filter, scale, shift] = tensorsOf(c, v);
  const mapped = tf.add(tf.mul(tf.conv2dTranspose(x, filter, c.outShape, c.strides, c.pad), scale), shift);
  return activation === 'relu' ? tf.relu(mapped) : mapped;
}

describe('convTranspose2dAffine: a transposed convolution, a per-channel map and ReLU in one kernel', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('has the fused kernel on wasm and composes tf ops on cpu', () => {
    expect(tf.getKernel(ConvTransposeAffine, 'wasm')).toBeDefined();
    expect(tf.getKernel(ConvTransposeAffine, 'cpu')).toBeUndefined();
  });

  it.each(cases.map((c, i) => [JSON.stringify(c), c, i % 2 === 0 ? 'relu' : 'linear'] as const))(
    'matches the cpu backend\'s separate ops for %s (%s)',
    async (_, c, activation) => {
      const v = inputsFor(c, 11);
      const [expected] = await valuesOn('cpu', () => reference(c, v, activation));
      const [actual] = await valuesOn('wasm', () => fused(c, v, activation));
      expect(maxRelativeError(actual!, expected!)).toBeLessThan(1e-4);
      if (activation === 'relu') expect(expected!.some((e) => e === 0)).toBe(true); // ReLU cuts somewhere
    },
  );

  it.each([['phases-gemm', hiddenLayer], ['phases', conv2dPhaseLayer], ['columns', dcgan32Output], ['one-pixel', inputLayer]] as const)(
    'its gradients for x, filter, scale and shift are those of the separate ops (%s)',
    async (path, c) => {
      expect(pathOf(c)).toBe(path);
      const v = inputsFor(c, 21);
      const weights = randomArray(size(c.outShape), 25);
      // d/d(x, filter, scale, shift) of sum(weights * output), the output fused or by separate ops.
      const gradients = (separate: boolean) => (): tf.Tensor[] => {
        const loss = (...inputs: tf.Tensor[]): tf.Scalar => {
          const [x, filter, scale, shift] = inputs as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
          const out = separate
            ? tf.relu(tf.add(tf.mul(tf.conv2dTranspose(x, filter, c.outShape, c.strides, c.pad), scale), shift))
            : convTranspose2dAffine(x, filter, c.outShape, c.strides, c.pad, scale, shift, 'relu');
          return tf.sum(tf.mul(out, tf.tensor(weights, c.outShape)));
        };
        return tf.grads(loss)(tensorsOf(c, v));
      };
      const expected = await valuesOn('cpu', gradients(true));
      const actual = await valuesOn('wasm', gradients(false));
      expect(actual.length).toBe(4);
      actual.forEach((a, i) => expect(maxRelativeError(a, expected[i]!)).toBeLessThan(1e-4));
    },
  );

  it.each([['phases-gemm', hiddenLayer], ['phases', conv2dPhaseLayer], ['columns', dcgan32Output], ['one-pixel', inputLayer]] as const)(
    'frees its intermediates over a loop (%s)',
    async (path, c) => {
      await useBackend('wasm');
      expect(pathOf(c)).toBe(path);
      const v = inputsFor(c, 31);
      const step = (): void => void tf.tidy(() => fused(c, v, 'relu').dataSync());
      step();
      expectNoGrowth(step);
    },
  );

  it('folds the current scale and shift: new values of them give new results, and one kept set per filter', async () => {
    for (const c of [hiddenLayer, conv2dPhaseLayer, inputLayer]) {
      await useBackend('wasm');
      const v = inputsFor(c, 41);
      const other = { ...v, scale: v.scale.map((s) => s * 1.5), shift: v.shift.map((s) => s - 0.25) };
      const [x, filter] = tensorsOf(c, v);
      const run = (values: Inputs): Float32Array => tf.tidy(() => {
        const out = convTranspose2dAffine(x, filter, c.outShape, c.strides, c.pad, tf.tensor1d(values.scale), tf.tensor1d(values.shift), 'relu');
        return Float32Array.from(out.dataSync());
      });
      const kept = keptFilterCount();
      const backend = tf.backend() as unknown as { numDataIds(): number };
      const first = run(v);
      expect(keptFilterCount()).toBe(kept + 1);
      const dataIds = backend.numDataIds();
      const second = run(other);
      expect(backend.numDataIds()).toBe(dataIds); // the first set was freed when the second was made
      expect(Array.from(run(v))).toEqual(Array.from(first));
      const [expectedFirst, expectedSecond] = await valuesOn('cpu', () => [reference(c, v, 'relu'), reference(c, other, 'relu')]);
      expect(maxRelativeError(first, expectedFirst!)).toBeLessThan(1e-4);
      expect(maxRelativeError(second, expectedSecond!)).toBeLessThan(1e-4);
      tf.dispose([x, filter]);
      expect(keptFilterCount()).toBe(kept);
    }
  });

  it('rejects a scale or shift that is not one value per output channel, and an unknown activation', () => {
    const c = hiddenLayer;
    const [x, filter, scale, shift] = tensorsOf(c, inputsFor(c, 51));
    const short = tf.zeros([c.outShape[3] - 1]) as tf.Tensor1D;
    expect(() => convTranspose2dAffine(x, filter, c.outShape, c.strides, c.pad, short, shift, 'relu')).toThrow(
      `convTranspose2dAffine: scale of shape [${c.outShape[3] - 1}]; expected [${c.outShape[3]}], one value per output channel`,
    );
    expect(() => convTranspose2dAffine(x, filter, c.outShape, c.strides, c.pad, scale, short, 'relu')).toThrow(/shift of shape/);
    expect(() => convTranspose2dAffine(x, filter, c.outShape, c.strides, c.pad, scale, shift, 'tanh' as AffineActivation)).toThrow(
      "convTranspose2dAffine: activation must be 'linear' or 'relu', got tanh",
    );
    tf.dispose([x, filter, scale, shift, short]);
  });
});
