import * as tf from '@tensorflow/tfjs-core';
import type { PostProcess, PostProcessFactory } from '@attrib/core';

/**
 * A differentiable post-process for tests: multiplies images by a contrast factor, drawn uniformly
 * in [min, 1] per call in `train` mode and equal to `min` in `eval` mode.
 */
export function contrastPostProcess(min = 0.5): PostProcess {
  return {
    name: 'test-contrast',
    params: { min },
    differentiable: true,
    apply(images, ctx) {
      const factor = ctx.mode === 'eval' ? min : min + (1 - min) * ctx.rng.uniform();
      return tf.mul(images, factor) as tf.Tensor4D;
    },
  };
}

/**
 * A linear post-process for tests: every image, flattened in HWC order, is multiplied by the
 * row-major d x d `matrix` (T(x) = M x), in both modes; its linear part is itself.
 */
export function matrixPostProcess(matrix: readonly number[]): PostProcess {
  const d = Math.round(Math.sqrt(matrix.length));
  if (d * d !== matrix.length) throw new Error(`matrixPostProcess: ${matrix.length} entries; expected a square matrix`);
  const apply = (images: tf.Tensor4D): tf.Tensor4D => tf.tidy(() => {
    const [n, h, w, c] = images.shape;
    const m = tf.tensor2d(matrix as number[], [d, d]);
    return tf.reshape(tf.matMul(tf.reshape(images, [n, h * w * c]), m, false, true), [n, h, w, c]) as tf.Tensor4D;
  });
  return { name: 'test-matrix', params: {}, differentiable: true, apply, linearPart: apply };
}

/** A non-differentiable, asynchronous post-process for tests (rounds to 4 grey levels). */
export function posterizePostProcess(): PostProcess {
  return {
    name: 'test-posterize',
    params: {},
    differentiable: false,
    async apply(images) {
      return tf.tidy(() => tf.sub(tf.div(tf.round(tf.mul(tf.add(images, 1), 1.5)), 1.5), 1) as tf.Tensor4D);
    },
  };
}

/** Factories of the two test post-processes, for plugin-host tests. */
export const testPostProcessFactories: readonly PostProcessFactory[] = [
  {
    name: 'test-contrast', description: 'multiplies by a contrast factor in [min, 1]', defaults: { min: 0.5 },
    // A third-party attack declares its strength like the built-in ones, so studies can sweep it.
    strength: { param: 'min', weakest: 1, strongest: 0.5 },
    create: (params = {}) => contrastPostProcess(typeof params.min === 'number' ? params.min : 0.5),
  },
  { name: 'test-posterize', description: 'rounds to 4 grey levels (not differentiable)', defaults: {}, create: () => posterizePostProcess() },
];
