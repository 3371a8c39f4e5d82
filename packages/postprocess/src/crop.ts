import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessContext, PostProcessFactory } from '@attrib/core';
import { centreCropResizeMatrix } from './bilinear.js';
import { numberParam, ParamTable, rangeParam, type ParamValues } from './params.js';
import { applySeparable } from './separable.js';

/**
 * Parameters of {@link cropFactory}: the side ratio kept, `ratio` in evaluation (0.8) and drawn
 * uniformly from `trainRatioRange` ([0.8, 1]) per call in training.
 */
export const cropParams = new ParamTable({
  ratio: numberParam(0.8, 'a number in (0, 1]', (n) => n > 0 && n <= 1),
  trainRatioRange: rangeParam([0.8, 1], 0, 1),
}, (p, fail) => {
  if (!(p.trainRatioRange[0]! > 0)) fail('trainRatioRange', 'a low end > 0');
});
export type CropParams = ParamValues<typeof cropParams.specs>;

/**
 * Keeps the centred window of `ratio` of each side and resizes it back to the full size with
 * bilinear interpolation (PyTorch `align_corners=False`). Each side is cropped to
 * `int(ratio * side)` pixels starting at `side // 2 - crop // 2`, as the reference computes it
 * (the reference uses the height for both sides of its square images; here each side uses its own).
 */
export function centreCropResize(images: tf.Tensor4D, ratio: number): tf.Tensor4D {
  const [, height, width] = images.shape;
  return tf.tidy(() => {
    const rows = tf.tensor2d(centreCropResizeMatrix(height, ratio), [height, height]);
    const cols = tf.tensor2d(centreCropResizeMatrix(width, ratio), [width, width]);
    return applySeparable(images, rows, cols);
  });
}

export class CropPostProcess implements PostProcess {
  readonly name = 'crop';
  readonly differentiable = true;
  constructor(readonly params: CropParams & Params) {}

  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    if (ctx.mode === 'eval') return centreCropResize(images, this.params.ratio);
    const [low, high] = this.params.trainRatioRange as [number, number];
    return centreCropResize(images, low + (high - low) * ctx.rng.uniform());
  }

  /** Cropping and bilinear resizing are linear: T itself. */
  linearPart(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    return this.apply(images, ctx);
  }
}

/** `crop`: centre crop and bilinear resize back, the reference's "Crop" post-process. */
export const cropFactory: PostProcessFactory = {
  name: 'crop',
  description: 'centre crop to a side ratio, bilinear resize back (train: ratio in [0.8, 1]; eval: 0.8)',
  defaults: cropParams.defaults,
  create: (params) => new CropPostProcess(cropParams.read('crop', params)),
};
