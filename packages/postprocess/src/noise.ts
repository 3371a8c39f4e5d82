import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessContext, PostProcessFactory } from '@attrib/core';
import { numberParam, ParamTable, rangeParam, type ParamValues } from './params.js';

/**
 * Parameters of {@link noiseFactory}: the standard deviation of the added Gaussian noise,
 * `std` in evaluation (0.3) and drawn uniformly from `trainStdRange` ([0, 0.3]) per call in training.
 */
export const noiseParams = new ParamTable({
  std: numberParam(0.3, 'a number >= 0', (n) => n >= 0),
  trainStdRange: rangeParam([0, 0.3], 0),
});
export type NoiseParams = ParamValues<typeof noiseParams.specs>;

/**
 * Adds N(0, std^2) noise drawn from `seed` and clamps to [-1, 1]. The gradient is the clamp's:
 * 1 inside [-1, 1] (bounds included, as PyTorch's `clamp`), 0 outside.
 */
export function addClampedNoise(images: tf.Tensor4D, std: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const noise = tf.randomNormal(images.shape, 0, std, 'float32', seed);
    return tf.clipByValue(tf.add(images, noise), -1, 1) as tf.Tensor4D;
  });
}

export class NoisePostProcess implements PostProcess {
  readonly name = 'noise';
  readonly differentiable = true;
  constructor(readonly params: NoiseParams & Params) {}

  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    const [low, high] = this.params.trainStdRange as [number, number];
    const std = ctx.mode === 'eval' ? this.params.std : low + (high - low) * ctx.rng.uniform();
    return addClampedNoise(images, std, ctx.rng.seed());
  }

  /**
   * The identity: noise is added whatever the image, so phi.T(x) = phi.x + phi.n up to the clamp,
   * and phi.n has mean 0. Draws what {@link apply} draws, so a chain's later parts see the same rng.
   */
  linearPart(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    if (ctx.mode === 'train') ctx.rng.uniform();
    ctx.rng.seed();
    return tf.clone(images);
  }
}

/** `noise`: additive Gaussian noise then clamping, the reference's "Noise" post-process. */
export const noiseFactory: PostProcessFactory = {
  name: 'noise',
  description: 'additive Gaussian noise, clamped to [-1, 1] (train: std in [0, 0.3]; eval: std 0.3)',
  defaults: noiseParams.defaults,
  // WAVES: std 0 to 0.1 on [0, 1] images, twice that on [-1, 1].
  strength: { param: 'std', weakest: 0, strongest: 0.2 },
  create: (params) => new NoisePostProcess(noiseParams.read('noise', params)),
};
