import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@attrib/core';
import { transposedConvPath } from '@attrib/tfjs-wasm-kernels';

/** Shapes on which attrib's transposed-convolution kernels are checked against the cpu backend. */
export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
export interface Case {
  /** The transposed convolution's output (the forward conv's input): [batch, height, width, depth]. */
  outShape: [number, number, number, number];
  inDepth: number;
  kernel: [number, number];
  strides: [number, number];
  pad: Pad;
}

export function randomArray(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => rng.normal());
}

export function dyShape(c: Case): [number, number, number, number] {
  return tf.backend_util.computeConv2DInfo(
    c.outShape,
    [c.kernel[0], c.kernel[1], c.outShape[3], c.inDepth],
    c.strides,
    1,
    c.pad,
  ).outShape as [number, number, number, number];
}

export const cases: Case[] = [];
for (const stride of [1, 2, 3]) {
  for (const pad of ['same', 'valid', 1, 2] as Pad[]) {
    for (const k of [1, 2, 3, 4, 5]) {
      const i = cases.length / 3;
      const size = 5 + (i % 5); // odd and even
      const geometry = { kernel: [k, k] as [number, number], strides: [stride, stride] as [number, number], pad };
      // Few output channels (one product by tap) and many (a convolution per phase: by attrib's
      // indirect matrix product for multiples of 8, else by the backend's Conv2D).
      cases.push({ outShape: [1 + (i % 3), size, size + (i % 2), [1, 2, 3, 5][i % 4]!], inDepth: [1, 4, 3, 2][(i + 1) % 4]!, ...geometry });
      cases.push({ outShape: [1 + (i % 2), size, size + (i % 2), 65 + (i % 3)], inDepth: [1, 4, 3, 2][i % 4]!, ...geometry });
      cases.push({ outShape: [1 + ((i + 1) % 3), size, size + ((i + 1) % 2), 72 + 8 * (i % 3)], inDepth: [1, 5, 8, 11][i % 4]!, ...geometry });
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

/**
 * k4 s2 p1 layers: a DCGAN-32 output layer, one with 24 output channels (the indirect matrix
 * product), and one with 65 to 67 (the backend's Conv2D per phase).
 */
export const dcgan32Output = cases.find((c) => c.outShape[1] === 32)!;
export const hiddenLayer = cases.find((c) => c.outShape[1] === 16 && c.outShape[3] === 24)!;
export const conv2dPhaseLayer = cases.find((c) => c.kernel[0] === 4 && c.strides[0] === 2 && c.pad === 1 && c.outShape[3] % 8 !== 0 && c.outShape[3] > 64)!;
/** A DCGAN's first layer: a 1x1 input to 4x4. */
export const inputLayer = cases.find((c) => c.outShape[1] === 4 && c.outShape[0] === 3)!;

export function pathOf(c: Case): string {
  const info = tf.backend_util.computeConv2DInfo(c.outShape, [c.kernel[0], c.kernel[1], c.outShape[3], c.inDepth], c.strides, 1, c.pad);
  return transposedConvPath(dyShape(c), [c.kernel[0], c.kernel[1], c.outShape[3], c.inDepth], c.outShape, c.strides, info.padInfo.top, info.padInfo.left).kind;
}
