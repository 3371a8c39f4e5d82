import * as tf from '@tensorflow/tfjs-core';

/**
 * Reflection padding of NHWC images by `pad` pixels on every side, as PyTorch's
 * `nn.ReflectionPad2d(pad)` (the edge pixel is not repeated: row -1 mirrors row 1).
 *
 * Built from slices, reverses and concatenations rather than `tf.mirrorPad`, whose gradient in
 * tfjs 4.22 drops the contributions of the reflected border; these ops differentiate exactly.
 */
export function reflectionPad(x: tf.Tensor4D, pad: number): tf.Tensor4D {
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`reflection padding must be a non-negative integer, got ${pad}`);
  if (pad === 0) return tf.clone(x);
  const [, height, width] = x.shape;
  if (pad >= height || pad >= width) {
    throw new Error(`reflection padding ${pad} needs images larger than ${pad} pixels on each side, got ${height}x${width}`);
  }
  return tf.tidy(() => padAxis(padAxis(x, 1, pad), 2, pad));
}

function padAxis(x: tf.Tensor4D, axis: 1 | 2, pad: number): tf.Tensor4D {
  const length = x.shape[axis];
  const part = (start: number): tf.Tensor4D => {
    const begin = [0, 0, 0, 0];
    const size = [...x.shape];
    begin[axis] = start;
    size[axis] = pad;
    return tf.reverse(tf.slice(x, begin, size), axis);
  };
  // Before: rows pad..1 (mirror of 1..pad); after: rows length-2..length-1-pad.
  return tf.concat([part(1), x, part(length - 1 - pad)], axis);
}

/**
 * PyTorch's `nn.InstanceNorm2d(affine=False, track_running_stats=False)` on NHWC: every image's
 * every channel normalised by its own mean and biased variance over height and width (eps 1e-5),
 * in training and evaluation alike.
 */
export function instanceNorm(x: tf.Tensor4D, epsilon = 1e-5): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [1, 2], true);
    return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))) as tf.Tensor4D;
  });
}

/** Convolution without padding (after an explicit pad), stride 1 or 2, plus bias. `filter` is [k, k, in, out]. */
export function convValid(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, stride: 1 | 2 = 1): tf.Tensor4D {
  return tf.tidy(() => tf.add(tf.conv2d(x, filter, stride, 'valid'), bias) as tf.Tensor4D);
}

/** `nn.Conv2d(k=3, stride=2, padding=1)`: zero padding 1 on every side, as PyTorch pads (TF's 'same' would pad only after). */
export function convStride2(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => convValid(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), filter, bias, 2));
}

/**
 * `nn.ConvTranspose2d(k=3, stride=2, padding=1, output_padding=1)`: doubles height and width.
 * The full transposed convolution of an HxW map is (2H+1)x(2W+1); PyTorch's padding 1 removes the
 * first row and column, and output padding 1 keeps what would otherwise be cut at the end.
 * `filter` is TensorFlow's transposed-convolution layout [k, k, out, in].
 */
export function convTransposeUp2(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, height, width] = x.shape;
    const outChannels = filter.shape[2];
    const full = tf.conv2dTranspose(x, filter, [n, 2 * height + 1, 2 * width + 1, outChannels], 2, 'valid');
    return tf.add(tf.slice(full, [0, 1, 1, 0], [n, 2 * height, 2 * width, outChannels]), bias) as tf.Tensor4D;
  });
}

/**
 * PyTorch weight to TensorFlow filter. Conv2d [out, in, kh, kw] becomes conv2d's [kh, kw, in, out];
 * ConvTranspose2d [in, out, kh, kw] becomes conv2dTranspose's [kh, kw, out, in]. Both are the
 * same axis permutation, and neither flips the kernel.
 */
export function filterFromTorch(weight: tf.Tensor): tf.Tensor4D {
  return tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D;
}

/** Inverse of {@link filterFromTorch}. */
export function filterToTorch(filter: tf.Tensor): tf.Tensor4D {
  return tf.transpose(filter, [3, 2, 0, 1]) as tf.Tensor4D;
}
