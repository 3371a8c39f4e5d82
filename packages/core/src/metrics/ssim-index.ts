import * as tf from '@tensorflow/tfjs-core';

/** Window side and Gaussian sigma of the SSIM of Wang et al. (2004), as skimage and pytorch_msssim use it. */
export const SSIM_WINDOW = 11;
export const SSIM_SIGMA = 1.5;
const K1 = 0.01;
const K2 = 0.03;

/** The normalised 1-D Gaussian window: exp(-(i - 5)^2 / (2 sigma^2)) / sum, i = 0..10. */
export function gaussianWindow(size = SSIM_WINDOW, sigma = SSIM_SIGMA): Float32Array {
  const half = (size - 1) / 2;
  const values = Array.from({ length: size }, (_, i) => Math.exp(-((i - half) ** 2) / (2 * sigma * sigma)));
  const sum = values.reduce((a, b) => a + b, 0);
  return Float32Array.from(values.map((v) => v / sum));
}

/**
 * SSIM of each pair of images, computed as pytorch_msssim's `ssim(X, Y, data_range=1,
 * size_average=False)` does, on images mapped from [-1, 1] to [0, 1]:
 * - separable Gaussian window (11 taps, sigma 1.5) applied "valid" (no padding) along height
 *   and width; along a side shorter than 11 pixels no smoothing is done (pytorch_msssim skips it);
 * - mu_x, mu_y, sigma_x^2 = G*(x^2) - mu_x^2, sigma_y^2, sigma_xy = G*(xy) - mu_x mu_y
 *   (no sample-covariance correction);
 * - SSIM map = ((2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1)) * ((2 sigma_xy + C2) / (sigma_x^2 + sigma_y^2 + C2)),
 *   C1 = (0.01)^2, C2 = (0.03)^2;
 * - per image, the mean of the map over positions and channels.
 */
export function ssimPerImage(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const [n, h, w, c] = a.shape;
    const window = gaussianWindow();
    // One channel per "image" so a single-channel convolution filters every channel alike.
    const planes = (t: tf.Tensor4D) => tf.reshape(tf.transpose(tf.div(tf.add(t, 1), 2), [0, 3, 1, 2]), [n * c, h, w, 1]) as tf.Tensor4D;
    const x = planes(a);
    const y = planes(b);
    const vertical = tf.tensor4d(window, [SSIM_WINDOW, 1, 1, 1]);
    const horizontal = tf.tensor4d(window, [1, SSIM_WINDOW, 1, 1]);
    const filter = (t: tf.Tensor4D): tf.Tensor4D => {
      let out = t;
      if (h >= SSIM_WINDOW) out = tf.conv2d(out, vertical, 1, 'valid');
      if (w >= SSIM_WINDOW) out = tf.conv2d(out, horizontal, 1, 'valid');
      return out;
    };
    const muX = filter(x);
    const muY = filter(y);
    const muXX = tf.square(muX);
    const muYY = tf.square(muY);
    const muXY = tf.mul(muX, muY);
    const sigmaXX = tf.sub(filter(tf.square(x)), muXX);
    const sigmaYY = tf.sub(filter(tf.square(y)), muYY);
    const sigmaXY = tf.sub(filter(tf.mul(x, y)), muXY);
    const c1 = K1 * K1;
    const c2 = K2 * K2;
    const contrastStructure = tf.div(tf.add(tf.mul(2, sigmaXY), c2), tf.add(tf.add(sigmaXX, sigmaYY), c2));
    const luminance = tf.div(tf.add(tf.mul(2, muXY), c1), tf.add(tf.add(muXX, muYY), c1));
    const map = tf.mul(luminance, contrastStructure);
    return tf.mean(tf.reshape(map, [n, -1]), 1) as tf.Tensor1D;
  });
}

/** PSNR floor of the mean squared error, so identical images give a finite 100 dB. */
export const PSNR_MIN_MSE = 1e-10;

/**
 * PSNR of each pair of images on the [0, 1] scale (images mapped from [-1, 1]; data range 1):
 * 10 log10(1 / max(MSE, 1e-10)), MSE over all pixels and channels of the pair.
 */
export function psnrPerImage(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const difference = tf.div(tf.sub(a, b), 2);
    const mse = tf.maximum(tf.mean(tf.reshape(tf.square(difference), [a.shape[0], -1]), 1), PSNR_MIN_MSE);
    return tf.mul(tf.div(tf.log(mse), Math.log(10)), -10) as tf.Tensor1D;
  });
}
