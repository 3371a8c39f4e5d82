import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessContext, PostProcessFactory } from '@attrib/core';
import { gaussianKernel, reflectConvolutionMatrix } from './gaussian.js';
import { listParam, numberParam, integerParam, ParamTable, type ParamValues } from './params.js';
import { applySeparable } from './separable.js';

const isOddPositive = (n: number): boolean => Number.isInteger(n) && n >= 1 && n % 2 === 1;

/**
 * Parameters of {@link blurFactory}. Training draws one (sigma, kernel size) pair per call from
 * the paired lists, uniformly; evaluation uses `sigma` and `kernelSize`. Defaults are the
 * reference's: sigma = k / 3 for k in {1, 3, 5, 7, 9} with kernel sizes {3, 9, 15, 19, 25};
 * evaluation sigma 3, kernel 25.
 */
export const blurParams = new ParamTable(
  {
    sigma: numberParam(3, 'a number > 0', (n) => n > 0),
    kernelSize: integerParam(25, 'an odd integer >= 1', isOddPositive),
    trainSigmas: listParam([1 / 3, 1, 5 / 3, 7 / 3, 3], 'a non-empty list of numbers > 0', (n) => n > 0),
    trainKernelSizes: listParam([3, 9, 15, 19, 25], 'a non-empty list of odd integers >= 1', isOddPositive),
  },
  (p, fail) => {
    if (p.trainSigmas.length !== p.trainKernelSizes.length) {
      fail('trainKernelSizes', `one kernel size per entry of trainSigmas (${p.trainSigmas.length})`);
    }
  },
);
export type BlurParams = ParamValues<typeof blurParams.specs>;

/**
 * Gaussian blur of every channel with reflected borders, as kornia's
 * `gaussian_blur2d(image, (k, k), (sigma, sigma))` with its default `border_type='reflect'`
 * (PyTorch `F.pad(mode='reflect')`: the edge pixel is not repeated) computes it.
 */
export function gaussianBlur(images: tf.Tensor4D, kernelSize: number, sigma: number): tf.Tensor4D {
  const [, height, width] = images.shape;
  const kernel = gaussianKernel(kernelSize, sigma);
  return tf.tidy(() => {
    const rows = tf.tensor2d(reflectConvolutionMatrix(height, kernel), [height, height]);
    const cols = tf.tensor2d(reflectConvolutionMatrix(width, kernel), [width, width]);
    return applySeparable(images, rows, cols);
  });
}

export class BlurPostProcess implements PostProcess {
  readonly name = 'blur';
  readonly differentiable = true;
  constructor(readonly params: BlurParams & Params) {}

  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    const p = this.params;
    if (ctx.mode === 'eval') return gaussianBlur(images, p.kernelSize, p.sigma);
    const pick = ctx.rng.int(p.trainSigmas.length);
    return gaussianBlur(images, p.trainKernelSizes[pick]!, p.trainSigmas[pick]!);
  }

  /** A convolution with reflected borders is linear: T itself. */
  linearPart(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    return this.apply(images, ctx);
  }
}

/** `blur`: Gaussian blur, the reference's "Blur" post-process. */
export const blurFactory: PostProcessFactory = {
  name: 'blur',
  description: 'Gaussian blur with reflected borders (train: sigma k/3, k in 1..9; eval: sigma 3, kernel 25)',
  defaults: blurParams.defaults,
  create: (params) => new BlurPostProcess(blurParams.read('blur', params)),
};
