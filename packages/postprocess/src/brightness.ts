import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessContext, PostProcessFactory } from '@attrib/core';
import { numberParam, ParamTable, rangeParam, type ParamValues } from './params.js';
import { drawStrength } from './strength.js';

/**
 * Parameters of {@link brightnessFactory}: the brightness factor, `factor` in evaluation (2,
 * WAVES's strongest) and drawn uniformly from `trainFactorRange` ([1, 2], WAVES's range) per call
 * in training.
 */
export const brightnessParams = new ParamTable({
  factor: numberParam(2, 'a number >= 0', (n) => n >= 0),
  trainFactorRange: rangeParam([1, 2], 0),
});
export type BrightnessParams = ParamValues<typeof brightnessParams.specs>;

/**
 * Scales intensities in [0, 1] by `factor` and clips, as Pillow's `ImageEnhance.Brightness` (a
 * blend with black) and torchvision's `adjust_brightness` do; on [-1, 1] images that is
 * `clip(factor (x + 1) - 1, -1, 1)`. The gradient is `factor` where unclipped, 0 where clipped.
 */
export function adjustBrightness(images: tf.Tensor4D, factor: number): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(tf.sub(tf.mul(tf.add(images, 1), factor), 1), -1, 1) as tf.Tensor4D);
}

export class BrightnessPostProcess implements PostProcess {
  readonly name = 'brightness';
  readonly differentiable = true;
  constructor(readonly params: BrightnessParams & Params) {}

  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    return adjustBrightness(images, drawStrength(this.params.factor, this.params.trainFactorRange, ctx));
  }
}

/** `brightness`: intensities scaled by a factor and clipped (WAVES's brightness, x1 to x2). */
export const brightnessFactory: PostProcessFactory = {
  name: 'brightness',
  description: 'brightness scaled by a factor, clipped (train: [1, 2]; eval: 2; WAVES 1 to 2)',
  defaults: brightnessParams.defaults,
  strength: { param: 'factor', weakest: 1, strongest: 2 },
  create: (params) => new BrightnessPostProcess(brightnessParams.read('brightness', params)),
};
