import * as tf from '@tensorflow/tfjs-core';

/** The zoo's pixel-wise normalisation: each position's feature vector divided by its RMS (epsilon 1e-8). */
export function pixelNorm<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-8))) as T);
}

/**
 * Nearest-neighbour upsampling by 2 of NHWC images (every pixel becomes a 2x2 block), built from
 * reshapes and concatenations so its gradient exists on every backend.
 */
export function upscale2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const columns = tf.reshape(x, [n, h, w, 1, c]);
    const wide = tf.reshape(tf.concat([columns, columns], 3), [n, h, 1, 2 * w, c]);
    return tf.reshape(tf.concat([wide, wide], 2), [n, 2 * h, 2 * w, c]) as tf.Tensor4D;
  });
}

/** He's constant sqrt(2 / fan_in), by which the zoo's equalized layers scale their output. */
export function heConstant(fanIn: number): number {
  return Math.sqrt(2 / fanIn);
}

/**
 * A convolution of the zoo's `EqualizedConv2d` (stride 1, 'same' zero padding for its odd kernels)
 * on NHWC input: (conv(x, W) + b) * scale. `filter` is TensorFlow's [k, k, in, out].
 */
export function equalizedConv(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, scale: number): tf.Tensor4D {
  return tf.tidy(() => {
    const y = tf.add(tf.conv2d(x, filter, 1, 'same'), bias);
    return (scale === 1 ? y : tf.mul(y, scale)) as tf.Tensor4D;
  });
}

/** The zoo's `EqualizedLinear`: (x W + b) * scale, with `weight` stored [in, out]. */
export function equalizedLinear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D, scale: number): tf.Tensor2D {
  return tf.tidy(() => {
    const y = tf.add(tf.matMul(x, weight), bias);
    return (scale === 1 ? y : tf.mul(y, scale)) as tf.Tensor2D;
  });
}

/** PyTorch Conv2d weight [out, in, kh, kw] to TensorFlow's conv2d filter [kh, kw, in, out]. */
export function convWeightFromTorch(weight: tf.Tensor): tf.Tensor4D {
  return tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D;
}

/** TensorFlow's conv2d filter [kh, kw, in, out] to PyTorch's Conv2d weight [out, in, kh, kw]. */
export function convWeightToTorch(filter: tf.Tensor): tf.Tensor4D {
  return tf.transpose(filter, [3, 2, 0, 1]) as tf.Tensor4D;
}

/**
 * The format layer maps the latent to a 4x4 map that PyTorch views as NCHW, so its output unit
 * `c*16 + y*4 + x` is channel c at (y, x). We keep its weight [in, 16*depth] with the outputs in
 * NHWC order `(y*4 + x)*depth + c`, so the product reshapes straight to [N, 4, 4, depth].
 * From PyTorch's Linear weight [16*depth, in]:
 */
export function formatWeightFromTorch(weight: tf.Tensor, depth: number): tf.Tensor2D {
  return tf.tidy(() => {
    const inFeatures = weight.shape[1]!;
    const hwcRows = tf.reshape(tf.transpose(tf.reshape(weight, [depth, 4, 4, inFeatures]), [1, 2, 0, 3]), [16 * depth, inFeatures]);
    return tf.transpose(hwcRows) as tf.Tensor2D;
  });
}

/** Inverse of {@link formatWeightFromTorch}: back to PyTorch's [16*depth, in], CHW-ordered rows. */
export function formatWeightToTorch(weight: tf.Tensor, depth: number): tf.Tensor2D {
  return tf.tidy(() => {
    const inFeatures = weight.shape[0]!;
    const rows = tf.reshape(tf.transpose(weight), [4, 4, depth, inFeatures]);
    return tf.reshape(tf.transpose(rows, [2, 0, 1, 3]), [16 * depth, inFeatures]) as tf.Tensor2D;
  });
}

/** The format layer's bias between PyTorch's CHW order and our HWC order. */
export function formatBiasFromTorch(bias: tf.Tensor, depth: number): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(bias, [depth, 4, 4]), [1, 2, 0]), [16 * depth]) as tf.Tensor1D);
}

export function formatBiasToTorch(bias: tf.Tensor, depth: number): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(bias, [4, 4, depth]), [2, 0, 1]), [16 * depth]) as tf.Tensor1D);
}
