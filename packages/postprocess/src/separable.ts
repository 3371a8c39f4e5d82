import * as tf from '@tensorflow/tfjs-core';

/**
 * Applies a linear map along rows and another along columns of every image and channel:
 * `out[n, i, j, c] = sum_{a, b} rows[i, a] * images[n, a, b, c] * cols[j, b]`.
 *
 * Blur (a Gaussian with reflected borders) and crop-and-resize (bilinear) are both separable
 * maps of this kind. Written with transpose, reshape and matMul only, so its gradient is exact on
 * every backend (tfjs's own MirrorPad gradient ignores the reflected part and its
 * ResizeBilinearGrad ignores half-pixel centres; the wasm backend has no ResizeBilinearGrad).
 */
export function applySeparable(images: tf.Tensor4D, rows: tf.Tensor2D, cols: tf.Tensor2D): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  const [outH, rowsIn] = rows.shape;
  const [outW, colsIn] = cols.shape;
  if (rowsIn !== h || colsIn !== w) {
    throw new Error(`applySeparable: maps of ${rowsIn} rows and ${colsIn} columns do not fit ${h}x${w} images`);
  }
  return tf.tidy(() => {
    const rowsFirst = tf.reshape(tf.transpose(images, [1, 0, 2, 3]), [h, n * w * c]);
    const rowsMapped = tf.reshape(tf.matMul(rows, rowsFirst), [outH, n, w, c]);
    const colsFirst = tf.reshape(tf.transpose(rowsMapped, [2, 1, 0, 3]), [w, n * outH * c]);
    const colsMapped = tf.reshape(tf.matMul(cols, colsFirst), [outW, n, outH, c]);
    return tf.transpose(colsMapped, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}
