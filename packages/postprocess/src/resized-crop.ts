import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessContext, PostProcessFactory } from '@attrib/core';
import { cropResizeMatrix } from './bilinear.js';
import { numberParam, ParamTable, rangeParam, type ParamValues } from './params.js';
import { applySeparable } from './separable.js';
import { drawOffset, drawStrength } from './strength.js';

/**
 * Parameters of {@link resizedCropFactory}: the fraction of the image's area kept, `scale` in
 * evaluation (0.5, WAVES's strongest) and drawn uniformly from `trainScaleRange` ([0.5, 1],
 * WAVES's range) per call in training. The window's place is drawn in both modes.
 */
export const resizedCropParams = new ParamTable({
  scale: numberParam(0.5, 'a number in (0, 1]', (n) => n > 0 && n <= 1),
  trainScaleRange: rangeParam([0.5, 1], 0, 1),
}, (p, fail) => {
  if (!(p.trainScaleRange[0]! > 0)) fail('trainScaleRange', 'a low end > 0');
});
export type ResizedCropParams = ParamValues<typeof resizedCropParams.specs>;

/** A crop window in pixels. */
export interface CropWindow {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/**
 * The side lengths of a window covering `scale` of the area with the image's aspect ratio:
 * `round(sqrt(scale) * side)` each, at least 1 (torchvision's RandomResizedCrop with ratio 1
 * on a square image, as WAVES calls it).
 */
export function scaledWindowSize(height: number, width: number, scale: number): { height: number; width: number } {
  const side = Math.sqrt(scale);
  return {
    height: Math.min(height, Math.max(1, Math.round(side * height))),
    width: Math.min(width, Math.max(1, Math.round(side * width))),
  };
}

/** Crops `window` of every image and resizes it back to the full size (bilinear, half-pixel centres). */
export function cropResize(images: tf.Tensor4D, window: CropWindow): tf.Tensor4D {
  const [, height, width] = images.shape;
  return tf.tidy(() => {
    const rows = tf.tensor2d(cropResizeMatrix(height, window.top, window.height), [height, height]);
    const cols = tf.tensor2d(cropResizeMatrix(width, window.left, window.width), [width, width]);
    return applySeparable(images, rows, cols);
  });
}

export class ResizedCropPostProcess implements PostProcess {
  readonly name = 'resized-crop';
  readonly differentiable = true;
  constructor(readonly params: ResizedCropParams & Params) {}

  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    const [, height, width] = images.shape;
    const scale = drawStrength(this.params.scale, this.params.trainScaleRange, ctx);
    const size = scaledWindowSize(height, width, scale);
    const top = drawOffset(height, size.height, ctx);
    const left = drawOffset(width, size.width, ctx);
    return cropResize(images, { top, left, ...size });
  }

  /** Cropping and bilinear resizing are linear: T itself. */
  linearPart(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    return this.apply(images, ctx);
  }
}

/** `resized-crop`: a window of a fraction of the area at a random place, resized back (WAVES's resized crop). */
export const resizedCropFactory: PostProcessFactory = {
  name: 'resized-crop',
  description: 'crop a fraction of the area at a random place, bilinear resize back (train: [0.5, 1]; eval: 0.5; WAVES 1 to 0.5)',
  defaults: resizedCropParams.defaults,
  strength: { param: 'scale', weakest: 1, strongest: 0.5 },
  create: (params) => new ResizedCropPostProcess(resizedCropParams.read('resized-crop', params)),
};
