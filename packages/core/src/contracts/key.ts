import type * as tf from '@tensorflow/tfjs-core';
import type { FlattenOrder, ImageShape } from './image.js';

/**
 * A secret key phi: one entry per pixel-channel of the image shape it belongs to. Its binary
 * classifier is the sign of the score s(x) = phi . vec(x). Following the reference code,
 * authentic images (real data, root output) score >= +1 and the keyed generator's images <= -1.
 */
export interface Key {
  /** Stable identifier within a run (`key-1`, `key-2`, ...). */
  readonly id: string;
  /** The image shape the key belongs to; d = height * width * channels. */
  readonly shape: ImageShape;
  /** How {@link vector} indexes pixels. In memory it is always `HWC`, matching NHWC tensors. */
  readonly order: FlattenOrder;
  /** The key vector, length d. A variable so training stages can optimise it in place. */
  readonly vector: tf.Variable<tf.Rank.R1>;
  /** Scores phi . vec(x) of a batch of images (NHWC, values in [-1, 1]); one score per image. */
  score(images: tf.Tensor4D): tf.Tensor1D;
  /** Frees the vector. */
  dispose(): void;
}
