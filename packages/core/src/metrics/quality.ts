import * as tf from '@tensorflow/tfjs-core';
import type { Metric, MetricOutline, MetricParts } from '../contracts/metric.js';
import { checkContext, meanAndStd } from './checks.js';
import { forEachSharedBatch, sharedBatchSizes, sharedInputParts } from './shared-inputs.js';
import { psnrPerImage, ssimPerImage } from './ssim-index.js';

/** Shared inputs of the generation-quality measure (method.md, "Generation quality"). */
export const QUALITY_SAMPLES = 10_000;
/**
 * Samples of PSNR and SSIM. The release gives no count for them; 1,000 keeps SSIM's
 * convolutions affordable on a CPU.
 */
export const PSNR_SSIM_SAMPLES = 1000;

type PairMeasure = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor1D;

/** A part's partial: per batch of the part, per key, the sum of the measure over the batch's images. */
type BatchSums = number[][];

/**
 * A metric of per-key means over shared inputs of `measure(G_i(z), G0(z))`, computable in parts
 * (contiguous ranges of the batches). The whole is `combine` of its one part, so both add the
 * same per-batch sums in the same order and give the same doubles.
 */
function perKeyMeanMetric(name: string, description: string, defaultSamples: number, value: string, measure: PairMeasure): Metric {
  const samplesOf = (outline: MetricOutline): number => outline.samples ?? defaultSamples;
  const parts: MetricParts<BatchSums> = {
    count: (outline) => sharedInputParts(outline, samplesOf(outline)),
    async compute(ctx, index, count) {
      checkContext(ctx, name);
      const sums: BatchSums = [];
      await forEachSharedBatch(ctx, samplesOf(ctx), (root, generated) => {
        sums.push(generated.map((images) => {
          const values = measure(images, root);
          const sum = tf.tidy(() => tf.sum(values).dataSync()[0]!);
          values.dispose();
          return sum;
        }));
      }, { index, count });
      return sums;
    },
    combine(outline, partials) {
      const samples = samplesOf(outline);
      const batches = partials.flat();
      const expected = sharedBatchSizes(outline, samples).length;
      if (batches.length !== expected) throw new Error(`${name}: the parts hold ${batches.length} batches; expected ${expected}`);
      const sums = new Array<number>(outline.keys.length).fill(0);
      for (const batch of batches) batch.forEach((sum, i) => (sums[i]! += sum));
      const means = sums.map((s) => s / samples);
      const { mean, std } = meanAndStd(means);
      return {
        summary: { mean, std },
        details: { perKey: outline.keys.map((k, i) => ({ key: k.id, [value]: means[i]! })), samples, postProcess: outline.postProcess?.name ?? null },
      };
    },
  };
  return { name, description, parts, compute: async (ctx) => parts.combine(ctx, [await parts.compute(ctx, 0, 1)]) };
}

/** || vec(G_i(z)) - vec(G0(z)) ||_2 of each pair. */
export function l2PerImage(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.reshape(tf.square(tf.sub(a, b)), [a.shape[0], -1]), 1)) as tf.Tensor1D);
}

/**
 * Generation quality: per key, the mean over 10,000 shared inputs of
 * || vec(G_i(z)) - vec(G0(z)) ||_2 (images in [-1, 1]); summary: mean and std over keys.
 */
export const quality: Metric = perKeyMeanMetric(
  'quality', 'mean L2 distance between each keyed generator and the root on shared inputs', QUALITY_SAMPLES, 'l2', l2PerImage,
);

/** PSNR against the root on shared inputs ({@link psnrPerImage}), mean per key; summary over keys. */
export const psnr: Metric = perKeyMeanMetric(
  'psnr', 'PSNR (dB) of each keyed generator against the root on shared inputs, images on [0, 1]', PSNR_SSIM_SAMPLES, 'psnr', psnrPerImage,
);

/** SSIM against the root on shared inputs ({@link ssimPerImage}), mean per key; summary over keys. */
export const ssim: Metric = perKeyMeanMetric(
  'ssim', 'SSIM (Gaussian window 11, sigma 1.5, K1 0.01, K2 0.03, images on [0, 1]) against the root on shared inputs',
  PSNR_SSIM_SAMPLES, 'ssim', ssimPerImage,
);
