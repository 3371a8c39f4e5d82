import * as tf from '@tensorflow/tfjs-core';
import type { Metric, MetricContext, MetricResult } from '../contracts/metric.js';
import { checkContext, meanAndStd } from './checks.js';
import { forEachSharedBatch } from './shared-inputs.js';
import { psnrPerImage, ssimPerImage } from './ssim-index.js';

/** Shared inputs of the generation-quality measure (method.md, "Generation quality"). */
export const QUALITY_SAMPLES = 10_000;
/**
 * Samples of PSNR and SSIM. The release gives no count for them; 1,000 keeps SSIM's
 * convolutions affordable on a CPU.
 */
export const PSNR_SSIM_SAMPLES = 1000;

type PairMeasure = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor1D;

/** Per key, the mean over shared inputs of `measure(G_i(z), G0(z))`. */
async function perKeyMean(ctx: MetricContext, samples: number, measure: PairMeasure): Promise<number[]> {
  const sums = new Array<number>(ctx.generators.length).fill(0);
  await forEachSharedBatch(ctx, samples, (root, generated) => {
    generated.forEach((images, i) => {
      const values = measure(images, root);
      sums[i]! += tf.tidy(() => tf.sum(values).dataSync()[0]!);
      values.dispose();
    });
  });
  return sums.map((s) => s / samples);
}

function result(ctx: MetricContext, values: number[], samples: number, name: string): MetricResult {
  const { mean, std } = meanAndStd(values);
  return {
    summary: { mean, std },
    details: { perKey: ctx.keys.map((k, i) => ({ key: k.id, [name]: values[i]! })), samples, postProcess: ctx.postProcess?.name ?? null },
  };
}

/** || vec(G_i(z)) - vec(G0(z)) ||_2 of each pair. */
export function l2PerImage(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.reshape(tf.square(tf.sub(a, b)), [a.shape[0], -1]), 1)) as tf.Tensor1D);
}

/**
 * Generation quality: per key, the mean over 10,000 shared inputs of
 * || vec(G_i(z)) - vec(G0(z)) ||_2 (images in [-1, 1]); summary: mean and std over keys.
 */
export const quality: Metric = {
  name: 'quality',
  description: 'mean L2 distance between each keyed generator and the root on shared inputs',
  async compute(ctx) {
    checkContext(ctx, 'quality');
    const samples = ctx.samples ?? QUALITY_SAMPLES;
    return result(ctx, await perKeyMean(ctx, samples, l2PerImage), samples, 'l2');
  },
};

/** PSNR against the root on shared inputs ({@link psnrPerImage}), mean per key; summary over keys. */
export const psnr: Metric = {
  name: 'psnr',
  description: 'PSNR (dB) of each keyed generator against the root on shared inputs, images on [0, 1]',
  async compute(ctx) {
    checkContext(ctx, 'psnr');
    const samples = ctx.samples ?? PSNR_SSIM_SAMPLES;
    return result(ctx, await perKeyMean(ctx, samples, psnrPerImage), samples, 'psnr');
  },
};

/** SSIM against the root on shared inputs ({@link ssimPerImage}), mean per key; summary over keys. */
export const ssim: Metric = {
  name: 'ssim',
  description: 'SSIM (Gaussian window 11, sigma 1.5, K1 0.01, K2 0.03, images on [0, 1]) against the root on shared inputs',
  async compute(ctx) {
    checkContext(ctx, 'ssim');
    const samples = ctx.samples ?? PSNR_SSIM_SAMPLES;
    return result(ctx, await perKeyMean(ctx, samples, ssimPerImage), samples, 'ssim');
  },
};
