import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessContext, PostProcessFactory } from '@attrib/core';
import { numberParam, ParamTable, rangeParam, type ParamValues } from './params.js';
import { type CropWindow, scaledWindowSize } from './resized-crop.js';
import { drawOffset, drawStrength } from './strength.js';

/**
 * Parameters of {@link eraseFactory}: the fraction of the area erased, `area` in evaluation
 * (0.25, WAVES's strongest) and drawn uniformly from `trainAreaRange` ([0, 0.25], WAVES's range)
 * per call in training; `fill` is the erased value (-1, black, as WAVES's zero in [0, 1]).
 */
export const eraseParams = new ParamTable({
  area: numberParam(0.25, 'a number in [0, 1)', (n) => n >= 0 && n < 1),
  trainAreaRange: rangeParam([0, 0.25], 0, 1),
  fill: numberParam(-1, 'a number in [-1, 1]', (n) => n >= -1 && n <= 1),
}, (p, fail) => {
  if (!(p.trainAreaRange[1]! < 1)) fail('trainAreaRange', 'a high end < 1');
});
export type EraseParams = ParamValues<typeof eraseParams.specs>;

/**
 * Sets `window` of every image to `fill`: `x * keep + fill * (1 - keep)`. The gradient is 1
 * outside the window and 0 inside.
 */
export function eraseWindow(images: tf.Tensor4D, window: CropWindow, fill = -1): tf.Tensor4D {
  const [, height, width] = images.shape;
  const keep = new Float32Array(height * width).fill(1);
  for (let y = window.top; y < window.top + window.height; y++) {
    for (let x = window.left; x < window.left + window.width; x++) keep[y * width + x] = 0;
  }
  return tf.tidy(() => {
    const mask = tf.tensor4d(keep, [1, height, width, 1]);
    return tf.add(tf.mul(images, mask), tf.mul(tf.sub(1, mask), fill)) as tf.Tensor4D;
  });
}

export class ErasePostProcess implements PostProcess {
  readonly name = 'erase';
  readonly differentiable = true;
  constructor(readonly params: EraseParams & Params) {}

  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    const [, height, width] = images.shape;
    const area = drawStrength(this.params.area, this.params.trainAreaRange, ctx);
    const size = area === 0 ? { height: 0, width: 0 } : scaledWindowSize(height, width, area);
    const top = drawOffset(height, size.height, ctx);
    const left = drawOffset(width, size.width, ctx);
    return eraseWindow(images, { top, left, ...size }, this.params.fill);
  }
}

/** `erase`: a rectangle of a fraction of the area, at a random place, set to black (WAVES's random erasing). */
export const eraseFactory: PostProcessFactory = {
  name: 'erase',
  description: 'erase a rectangle of a fraction of the area at a random place (train: [0, 0.25]; eval: 0.25; WAVES 0 to 0.25)',
  defaults: eraseParams.defaults,
  strength: { param: 'area', weakest: 0, strongest: 0.25 },
  create: (params) => new ErasePostProcess(eraseParams.read('erase', params)),
};
