import * as tf from '@tensorflow/tfjs-core';
import { formatShape, imageSize, type ImageShape } from '../contracts/image.js';
import type { PostProcess, PostProcessContext } from '../contracts/post-process.js';

/**
 * psi = A^T phi, the key that scores an image x as phi scores the post-processed A x, A the linear
 * part of `postProcess` (see `PostProcess.linearPart`): phi.A(x) = psi.x, so psi is the gradient
 * of phi.A(x) with respect to x (one `tf.grad`, taken at x = 0; A is linear). `phi` and the result
 * are in HWC order, for images of `shape`. `ctx` sets the strength (`eval`, or a
 * drawn one in `train`). Throws when the post-process has no linear part or the sizes differ.
 */
export function keyThroughPostProcess(
  phi: Float32Array, shape: ImageShape, postProcess: PostProcess, ctx: PostProcessContext,
): Float32Array {
  const linearPart = postProcess.linearPart?.bind(postProcess);
  if (!linearPart) {
    throw new Error(`post-process ${postProcess.name} has no linear part (T(x) = A x, up to additive noise); the floor under T needs one (blur, crop, resized-crop, jpeg, noise, combination)`);
  }
  const { height: h, width: w, channels: c } = shape;
  if (phi.length !== imageSize(shape)) throw new Error(`keyThroughPostProcess: key of ${phi.length} values for ${formatShape(shape)} images; expected ${imageSize(shape)}`);
  return tf.tidy(() => {
    const key = tf.tensor4d(phi, [1, h, w, c]);
    const score = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(linearPart(x as tf.Tensor4D, ctx), key));
    return Float32Array.from(tf.grad(score)(tf.zeros([1, h, w, c])).dataSync() as Float32Array);
  });
}
