import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessContext, PostProcessFactory } from '@attrib/core';
import { numberParam, ParamTable, rangeParam, type ParamValues } from './params.js';
import { drawStrength } from './strength.js';

/**
 * Parameters of {@link contrastFactory}: the contrast factor, `factor` in evaluation (2, WAVES's
 * strongest) and drawn uniformly from `trainFactorRange` ([1, 2], WAVES's range) per call in
 * training.
 */
export const contrastParams = new ParamTable({
  factor: numberParam(2, 'a number >= 0', (n) => n >= 0),
  trainFactorRange: rangeParam([1, 2], 0),
});
export type ContrastParams = ParamValues<typeof contrastParams.specs>;

/** ITU-R 601-2 luma weights, Pillow's `convert('L')`: the grey level whose mean contrast pivots on. */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;

/**
 * Moves every pixel away from the image's mean grey level by `factor`:
 * `clip(m + factor (x - m), -1, 1)` with m the mean luma of the image (of its one channel for
 * grey images), as Pillow's `ImageEnhance.Contrast` (which rounds m to 8 bits) and torchvision's
 * `adjust_contrast` do. Gradients flow through the clip and through m.
 */
export function adjustContrast(images: tf.Tensor4D, factor: number): tf.Tensor4D {
  const channels = images.shape[3];
  if (channels !== 1 && channels !== 3) throw new Error(`contrast: expects images with 1 or 3 channels, got ${channels}`);
  return tf.tidy(() => {
    const grey = channels === 1 ? images : tf.sum(tf.mul(images, tf.tensor4d([...LUMA_WEIGHTS], [1, 1, 1, 3])), 3, true);
    const mean = tf.mean(grey, [1, 2, 3], true);
    return tf.clipByValue(tf.add(mean, tf.mul(tf.sub(images, mean), factor)), -1, 1) as tf.Tensor4D;
  });
}

export class ContrastPostProcess implements PostProcess {
  readonly name = 'contrast';
  readonly differentiable = true;
  constructor(readonly params: ContrastParams & Params) {}

  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    return adjustContrast(images, drawStrength(this.params.factor, this.params.trainFactorRange, ctx));
  }
}

/** `contrast`: pixels pushed away from the mean grey by a factor, clipped (WAVES's contrast, x1 to x2). */
export const contrastFactory: PostProcessFactory = {
  name: 'contrast',
  description: 'contrast about the mean grey scaled by a factor, clipped (train: [1, 2]; eval: 2; WAVES 1 to 2)',
  defaults: contrastParams.defaults,
  strength: { param: 'factor', weakest: 1, strongest: 2 },
  create: (params) => new ContrastPostProcess(contrastParams.read('contrast', params)),
};
