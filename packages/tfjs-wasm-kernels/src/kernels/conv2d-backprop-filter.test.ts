import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@attrib/testing/random';
import { maxRelativeError, useBackend, valuesOn } from '@attrib/testing/backend';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  pad: Pad;
}

function randomArray(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => rng.normal());
}

function dyShape(c: Case): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo(
    [c.batch, c.height, c.width, c.inChannels],
    [c.kernel, c.kernel, c.inChannels, c.outChannels],
    c.stride,
    1,
    c.pad,
  );
  return info.outShape as [number, number, number, number];
}

/** dW from the kernel registered for the active backend, run through the engine. */
function backpropFilter(c: Case, xValues: Float32Array, dyValues: Float32Array): tf.Tensor {
  const x = tf.tensor4d(xValues, [c.batch, c.height, c.width, c.inChannels]);
  const dy = tf.tensor4d(dyValues, dyShape(c));
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: [c.stride, c.stride],
    pad: c.pad,
    dataFormat: 'NHWC',
    filterShape: [c.kernel, c.kernel, c.inChannels, c.outChannels],
  }) as tf.Tensor;
}

const cases: Case[] = [];
for (const stride of [1, 2]) {
  for (const pad of ['same', 'valid', 1, 2] as Pad[]) {
    for (const kernel of [1, 2, 3, 4, 5]) {
      const i = cases.length;
      const size = 5 + (i % 5); // odd and even sizes 5..9
      cases.push({
        batch: 1 + (i % 3),
        height: size,
        width: size + (i % 2), // some non-square
        inChannels: [1, 2, 3, 5][i % 4]!,
        outChannels: [1, 4, 3, 2][(i + 1) % 4]!,
        kernel,
        stride,
        pad,
      });
    }
  }
}
// Explicit asymmetric padding, including rows the forward pass never reached and one where the
// top padding alone covers every tap (the filter gradient is zero).
cases.push({ batch: 2, height: 7, width: 6, inChannels: 3, outChannels: 2, kernel: 3, stride: 2,
  pad: [[0, 0], [2, 0], [1, 3], [0, 0]] });
cases.push({ batch: 2, height: 1, width: 3, inChannels: 2, outChannels: 3, kernel: 1, stride: 2,
  pad: [[0, 0], [3, 0], [0, 0], [0, 0]] });
// DCGAN-like: conv2dTranspose backward uses dW with x = dy of the transposed conv.
cases.push({ batch: 4, height: 16, width: 16, inChannels: 8, outChannels: 6, kernel: 4, stride: 2, pad: 1 });
cases.push({ batch: 3, height: 4, width: 4, inChannels: 6, outChannels: 5, kernel: 4, stride: 1, pad: 0 });
// Output channels in whole panels of 8 (written in place) and past them (padded rows, then copied).
cases.push({ batch: 4, height: 16, width: 16, inChannels: 8, outChannels: 16, kernel: 4, stride: 2, pad: 1 });
cases.push({ batch: 2, height: 4, width: 4, inChannels: 16, outChannels: 24, kernel: 4, stride: 1, pad: 0 });
cases.push({ batch: 3, height: 9, width: 8, inChannels: 5, outChannels: 12, kernel: 3, stride: 2, pad: 'same' });
// dY packed in several blocks of taps (256 taps, 32 per block).
cases.push({ batch: 8, height: 32, width: 32, inChannels: 4, outChannels: 128, kernel: 4, stride: 2, pad: 1 });
cases.push({ batch: 2, height: 7, width: 6, inChannels: 4, outChannels: 8, kernel: 3, stride: 2,
  pad: [[0, 0], [2, 0], [1, 3], [0, 0]] });

describe('wasm Conv2DBackpropFilter', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('matches the cpu backend for %s', async (_, c) => {
    expect(dyShape(c).every((d) => d > 0)).toBe(true);
    const xValues = randomArray(c.batch * c.height * c.width * c.inChannels, 11);
    const dyValues = randomArray(dyShape(c).reduce((a, b) => a * b, 1), 12);
    const [expected] = await valuesOn('cpu', () => backpropFilter(c, xValues, dyValues));
    const [actual] = await valuesOn('wasm', () => backpropFilter(c, xValues, dyValues));
    expect(actual!.length).toBe(c.kernel * c.kernel * c.inChannels * c.outChannels);
    expect(maxRelativeError(actual!, expected!)).toBeLessThan(1e-4);
  });

  it('gives conv2d and conv2dTranspose filter gradients equal to the cpu backend', async () => {
    const xValues = randomArray(2 * 8 * 8 * 3, 21);
    const wValues = randomArray(4 * 4 * 3 * 5, 22);
    const tValues = randomArray(2 * 16 * 16 * 3, 23);
    const gradients = (): tf.Tensor[] => {
      const x = tf.tensor4d(xValues, [2, 8, 8, 3]);
      const w = tf.tensor4d(wValues, [4, 4, 3, 5]);
      const target = tf.tensor4d(tValues, [2, 16, 16, 3]);
      // conv2d stride 2 'same', then conv2dTranspose back to 16x16 (k4 s2 p1 in PyTorch terms).
      const loss = (xx: tf.Tensor4D, ww: tf.Tensor4D): tf.Scalar => {
        const down = tf.conv2d(xx, ww, 2, 'same'); // [2,4,4,5]
        const up = tf.conv2dTranspose(down, ww, [2, 8, 8, 3], 2, 'same');
        const up2 = tf.conv2dTranspose(up, tf.slice(ww, [0, 0, 0, 0], [4, 4, 3, 3]), [2, 16, 16, 3], 2, 'same');
        return tf.mean(tf.square(tf.sub(up2, target)));
      };
      const g = tf.grads((a, b) => loss(a as tf.Tensor4D, b as tf.Tensor4D))([x, w]);
      return g;
    };
    const expected = await valuesOn('cpu', gradients);
    const actual = await valuesOn('wasm', gradients);
    for (let i = 0; i < expected.length; i++) {
      expect(maxRelativeError(actual[i]!, expected[i]!)).toBeLessThan(1e-4);
    }
  });

  it('names a dy whose shape does not fit x, the filter, the stride and the padding', () => {
    tf.tidy(() => {
      expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.zeros([3, 9, 7, 5]), dy: tf.zeros([3, 4, 3, 12]) }, {
        strides: [2, 2], pad: 1, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, 5, 12],
      } as never)).toThrow('Conv2DBackpropFilter: dy has shape [3, 4, 3, 12]; x [3, 9, 7, 5] with this filter, stride and padding gives [3, 5, 4, 12]');
    });
  });

  it('frees its intermediates: no tensor or wasm memory growth over a loop', async () => {
    await useBackend('wasm');
    // Padded rows (4 output channels) and rows written in place (16).
    const loop = [4, 16].map((outChannels) => {
      const c: Case = { batch: 2, height: 9, width: 9, inChannels: 3, outChannels, kernel: 3, stride: 2, pad: 'valid' };
      return { c, xValues: randomArray(2 * 9 * 9 * 3, 31), dyValues: randomArray(dyShape(c).reduce((a, b) => a * b, 1), 32) };
    });
    const step = (): void => {
      for (const { c, xValues, dyValues } of loop) tf.tidy(() => backpropFilter(c, xValues, dyValues).dataSync());
    };
    step();
    const tensorsBefore = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    const wasmBackend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
    const dataIdsBefore = wasmBackend.dataIdMap.numDataIds();
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.memory().numBytes).toBe(bytesBefore);
    expect(wasmBackend.dataIdMap.numDataIds()).toBe(dataIdsBefore);
  });
});
