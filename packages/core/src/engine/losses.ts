import * as tf from '@tensorflow/tfjs-core';
import type { LpNorm } from '../contracts/stage-options.js';

/**
 * Every loss of the method, in one place (method.md). Scores are phi . vec(x). Following the
 * release's sign convention, authentic images (real data, the root's output) are pushed to
 * scores >= +1 and a keyed generator's images to <= -1. All are batch means.
 */

/** mean h(1 - s): pushes authentic images' scores to >= +1. */
export function authenticHinge(scores: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.relu(tf.sub(1, scores))) as tf.Scalar);
}

/** mean h(s - ceiling): keeps authentic images' scores below `ceiling` (not in the release; issue 21). */
export function ceilingHinge(scores: tf.Tensor1D, ceiling: number): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.relu(tf.sub(scores, ceiling))) as tf.Scalar);
}

/** mean h(1 + s): pushes a keyed generator's scores to <= -1. */
export function keyedHinge(scores: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.relu(tf.add(1, scores))) as tf.Scalar);
}

/** The mean over keys of {@link authenticHinge}: images pushed to >= +1 under every one of several keys. */
export function meanAuthenticHinge(scoresPerKey: readonly tf.Tensor1D[]): tf.Scalar {
  return tf.tidy(() => tf.div(tf.addN(scoresPerKey.map((s) => authenticHinge(s))), scoresPerKey.length) as tf.Scalar);
}

/** MSE (lp 2, PyTorch `MSELoss`) or mean absolute difference (lp 1, `L1Loss`) over every element. */
export function lpDistance(a: tf.Tensor, b: tf.Tensor, lp: LpNorm): tf.Scalar {
  return tf.tidy(() => {
    const difference = tf.sub(a, b);
    return tf.mean(lp === 2 ? tf.square(difference) : tf.abs(difference)) as tf.Scalar;
  });
}

/** |1 - ||phi|||: the theory mode's unit-norm term. */
export function unitNormPenalty(key: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.abs(tf.sub(1, tf.norm(key))) as tf.Scalar);
}

/** sum_j |phi_j . phi|: drives the new key to 90 degrees from every earlier one. */
export function orthogonalityPenalty(previous: readonly tf.Tensor1D[], key: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => previous.reduce<tf.Scalar>((sum, other) => tf.add(sum, tf.abs(tf.dot(other, key))), tf.scalar(0)));
}

/**
 * sum_j weight * |target - cos(phi_j, phi)|, cos as PyTorch's `CosineSimilarity` computes it
 * (x . y / max(||x|| ||y||, 1e-8)): keys at a chosen angle (the release's side experiment).
 */
export function cosineTargetPenalty(previous: readonly tf.Tensor1D[], key: tf.Tensor1D, target: number, weight: number): tf.Scalar {
  return tf.tidy(() =>
    previous.reduce<tf.Scalar>((sum, other) => {
      const cos = tf.div(tf.dot(other, key), tf.maximum(tf.mul(tf.norm(other), tf.norm(key)), 1e-8));
      return tf.add(sum, tf.mul(weight, tf.abs(tf.sub(target, cos))));
    }, tf.scalar(0)),
  );
}

/**
 * The paper's regression onto a shifted root (Eq. 10), in the code's sign convention: mean over
 * elements of (G(z) - (G0(z) - gamma * u))^2, u the unit key direction as an image (HWC).
 */
export function shiftRegression(generated: tf.Tensor4D, root: tf.Tensor4D, direction: tf.Tensor1D, gamma: number): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w, c] = generated.shape;
    const target = tf.sub(root, tf.mul(tf.reshape(direction, [1, h, w, c]), gamma));
    return tf.mean(tf.square(tf.sub(generated, target))) as tf.Scalar;
  });
}
