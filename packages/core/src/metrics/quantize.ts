import * as tf from '@tensorflow/tfjs-core';

/**
 * The 8-bit round trip of the release's attributability script, which writes samples as PNG
 * with torchvision's `save_image(normalize=True, range=(-1, 1))` and reads them back with
 * `ToTensor` and `Normalize(0.5, 0.5)`:
 *   byte = trunc(clamp(((clamp(x, -1, 1) + 1) / 2) * 255 + 0.5, 0, 255))
 *   x'   = (byte / 255 - 0.5) / 0.5
 * i.e. what an image becomes once saved to and read from an 8-bit PNG.
 */
export function quantize8bit(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const unit = tf.div(tf.add(tf.clipByValue(images, -1, 1), 1), 2);
    const bytes = tf.floor(tf.clipByValue(tf.add(tf.mul(unit, 255), 0.5), 0, 255));
    return tf.div(tf.sub(tf.div(bytes, 255), 0.5), 0.5) as tf.Tensor4D;
  });
}
