import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessContext, PostProcessFactory } from '@attrib/core';
import { numberParam, ParamTable, rangeParam, type ParamValues } from './params.js';
import { matrixProduct, pillowBilinearMatrix } from './resample.js';
import { applySeparable } from './separable.js';
import { drawStrength } from './strength.js';

/**
 * Parameters of {@link resizeFactory}: the side ratio of the small image, `scale` in evaluation
 * (0.5) and drawn uniformly from `trainScaleRange` ([0.5, 1]) per call in training. WAVES has no
 * resize; Stable Signature evaluates side ratios 0.3 to 0.7, and 0.5 halves each side.
 */
export const resizeParams = new ParamTable({
  scale: numberParam(0.5, 'a number in (0, 1]', (n) => n > 0 && n <= 1),
  trainScaleRange: rangeParam([0.5, 1], 0, 1),
}, (p, fail) => {
  if (!(p.trainScaleRange[0]! > 0)) fail('trainScaleRange', 'a low end > 0');
});
export type ResizeParams = ParamValues<typeof resizeParams.specs>;

/** The small side: `int(scale * side)`, at least 1. */
export function reducedSize(side: number, scale: number): number {
  return Math.max(1, Math.trunc(scale * side));
}

/** The (side x side) matrix of a resize to `small` samples and back, both with Pillow's bilinear filter. */
export function downUpMatrix(side: number, small: number): Float32Array {
  return matrixProduct(pillowBilinearMatrix(side, small), pillowBilinearMatrix(small, side), side, small, side);
}

/**
 * Resizes every image down to `int(scale * side)` on each side and back up, with Pillow's
 * bilinear filter (anti-aliased going down). Linear in the pixels, so gradients flow.
 */
export function resizeDownUp(images: tf.Tensor4D, scale: number): tf.Tensor4D {
  const [, height, width] = images.shape;
  return tf.tidy(() => {
    const rows = tf.tensor2d(downUpMatrix(height, reducedSize(height, scale)), [height, height]);
    const cols = tf.tensor2d(downUpMatrix(width, reducedSize(width, scale)), [width, width]);
    return applySeparable(images, rows, cols);
  });
}

export class ResizePostProcess implements PostProcess {
  readonly name = 'resize';
  readonly differentiable = true;
  constructor(readonly params: ResizeParams & Params) {}

  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    return resizeDownUp(images, drawStrength(this.params.scale, this.params.trainScaleRange, ctx));
  }
}

/** `resize`: down to a side ratio and back up, bilinear (Stable Signature's resize). */
export const resizeFactory: PostProcessFactory = {
  name: 'resize',
  description: 'resize down to a side ratio and back up, bilinear (train: [0.5, 1]; eval: 0.5)',
  defaults: resizeParams.defaults,
  strength: { param: 'scale', weakest: 1, strongest: 0.5 },
  create: (params) => new ResizePostProcess(resizeParams.read('resize', params)),
};
