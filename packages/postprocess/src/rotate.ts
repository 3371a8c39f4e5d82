import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessContext, PostProcessFactory } from '@attrib/core';
import { numberParam, ParamTable, rangeParam, type ParamValues } from './params.js';
import { drawStrength } from './strength.js';

/**
 * Parameters of {@link rotateFactory}: the angle in degrees, counter-clockwise about the image
 * centre, `degrees` in evaluation (45, WAVES's strongest) and drawn uniformly from
 * `trainDegreesRange` ([0, 45], WAVES's range) per call in training; `fill` is the value of the
 * corners that come from outside the image (-1, black, as WAVES's zero fill in [0, 1]).
 */
export const rotateParams = new ParamTable({
  degrees: numberParam(45, 'a number in [-360, 360]', (n) => n >= -360 && n <= 360),
  trainDegreesRange: rangeParam([0, 45], -360, 360),
  fill: numberParam(-1, 'a number in [-1, 1]', (n) => n >= -1 && n <= 1),
});
export type RotateParams = ParamValues<typeof rotateParams.specs>;

/**
 * Where each output pixel of a rotation samples its input: the flat indices of its four
 * neighbours and their bilinear weights (`4 * height * width` each, neighbour-major), and
 * `outside`, 1 where the pixel lies outside the input and takes the fill value.
 */
export interface RotationSampling {
  readonly indices: Int32Array;
  readonly weights: Float32Array;
  readonly outside: Float32Array;
}

/**
 * The sampling of Pillow's `Image.rotate(degrees, resample=BILINEAR)`: output pixel (x, y) reads
 * the input at `(cos a (x + .5 - cx) - sin a (y + .5 - cy) + cx, sin a (x + .5 - cx) + cos a (y + .5 - cy) + cy)`
 * (y down, so this turns the picture counter-clockwise as seen)
 * with (cx, cy) = (width / 2, height / 2); a point outside [0, width) x [0, height) is filled,
 * one inside is interpolated between the four nearest pixel centres, edges repeated.
 */
export function rotationSampling(height: number, width: number, degrees: number): RotationSampling {
  const angle = (degrees * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cx = width / 2;
  const cy = height / 2;
  const size = height * width;
  const indices = new Int32Array(4 * size);
  const weights = new Float32Array(4 * size);
  const outside = new Float32Array(size);
  const clampX = (v: number): number => Math.min(Math.max(v, 0), width - 1);
  const clampY = (v: number): number => Math.min(Math.max(v, 0), height - 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const xin = cos * dx - sin * dy + cx;
      const yin = sin * dx + cos * dy + cy;
      if (!(xin >= 0 && xin < width && yin >= 0 && yin < height)) {
        outside[p] = 1;
        continue;
      }
      const u = xin - 0.5;
      const v = yin - 0.5;
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      const fx = u - x0;
      const fy = v - y0;
      const corners: [number, number, number][] = [
        [clampY(y0), clampX(x0), (1 - fx) * (1 - fy)],
        [clampY(y0), clampX(x0 + 1), fx * (1 - fy)],
        [clampY(y0 + 1), clampX(x0), (1 - fx) * fy],
        [clampY(y0 + 1), clampX(x0 + 1), fx * fy],
      ];
      corners.forEach(([row, col, weight], k) => {
        indices[k * size + p] = row * width + col;
        weights[k * size + p] = weight;
      });
    }
  }
  return { indices, weights, outside };
}

/**
 * Rotates every image by `degrees` counter-clockwise about its centre with bilinear
 * interpolation, keeping the size; corners from outside the image take `fill`. Linear in the
 * pixels (a gather and a weighted sum), so gradients flow to the input. The gradient is written
 * out as the transposed map (a scatter-add, ScatterNd) because tfjs's own gradient of a gather
 * needs UnsortedSegmentSum, which the wasm backend lacks.
 */
export function rotateImages(images: tf.Tensor4D, degrees: number, fill = -1): tf.Tensor4D {
  const [n, height, width, channels] = images.shape;
  const size = height * width;
  const { indices, weights, outside } = rotationSampling(height, width, degrees);
  // Made where used: the gradient runs after this function's tidy has released its tensors.
  const index = (): tf.Tensor1D => tf.tensor1d(indices, 'int32');
  const weight = (): tf.Tensor2D => tf.tensor2d(weights, [4 * size, 1]);
  return tf.tidy(() => {
    // Pixel-major [size, n * channels] so that the map acts on the first axis.
    const toPixels = (t: tf.Tensor): tf.Tensor2D => tf.reshape(tf.transpose(tf.reshape(t, [n, size, channels]), [1, 0, 2]), [size, n * channels]);
    const toImages = (t: tf.Tensor): tf.Tensor4D => tf.reshape(tf.transpose(tf.reshape(t, [size, n, channels]), [1, 0, 2]), [n, height, width, channels]);
    const sampled = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const x = inputs[0] as tf.Tensor;
      const mixed = tf.tidy(() => tf.sum(tf.reshape(tf.mul(tf.gather(toPixels(x), index()), weight()), [4, size, n * channels]), 0));
      return {
        value: toImages(mixed),
        gradFunc: (dy: tf.Tensor) => {
          const spread = tf.mul(tf.tile(toPixels(dy), [4, 1]), weight());
          return toImages(tf.scatterND(tf.reshape(index(), [4 * size, 1]), spread, [size, n * channels]));
        },
      };
    });
    const rotated = sampled(images) as tf.Tensor4D;
    return tf.add(rotated, tf.mul(tf.tensor4d(outside, [1, height, width, 1]), fill)) as tf.Tensor4D;
  });
}

export class RotatePostProcess implements PostProcess {
  readonly name = 'rotate';
  readonly differentiable = true;
  constructor(readonly params: RotateParams & Params) {}

  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    return rotateImages(images, drawStrength(this.params.degrees, this.params.trainDegreesRange, ctx), this.params.fill);
  }
}

/** `rotate`: rotation about the centre, bilinear, black corners (WAVES's rotation, 0 to 45 degrees). */
export const rotateFactory: PostProcessFactory = {
  name: 'rotate',
  description: 'rotation about the centre in degrees, bilinear, black corners (train: [0, 45]; eval: 45; WAVES 0 to 45)',
  defaults: rotateParams.defaults,
  strength: { param: 'degrees', weakest: 0, strongest: 45 },
  create: (params) => new RotatePostProcess(rotateParams.read('rotate', params)),
};
