import * as tf from '@tensorflow/tfjs-core';
import type { Metric, MetricContext, MetricResult } from '../contracts/metric.js';
import { checkContext, meanAndStd } from './checks.js';
import { PSNR_SSIM_SAMPLES } from './quality.js';
import { quantize8bit } from './quantize.js';
import { batchSizes, DEFAULT_METRIC_BATCH, postProcessed, sample } from './sampling.js';
import { psnrPerImage, ssimPerImage } from './ssim-index.js';

/**
 * What an attack does to the images (WAVES's quality axis): per key, the mean PSNR and SSIM of
 * its generator's samples after the post-process at evaluation strength against the same samples
 * before it, both as stored (8-bit round trip). Without a post-process every image is its own
 * reference (PSNR at its cap, SSIM 1). Summary: `psnr` and `ssim`, means over keys, and their
 * standard deviations; details: per key.
 */
export const distortion: Metric = {
  name: 'distortion',
  description: "PSNR and SSIM of each generator's samples after the post-process against before it (8-bit round trip), mean per key",
  async compute(ctx: MetricContext): Promise<MetricResult> {
    checkContext(ctx, 'distortion');
    const samples = ctx.samples ?? PSNR_SSIM_SAMPLES;
    const sizes = batchSizes(samples, ctx.batchSize ?? DEFAULT_METRIC_BATCH);
    const rng = ctx.rng.fork('distortion');
    const total = sizes.length * ctx.generators.length;
    let done = 0;
    const perKey: { key: string; psnr: number; ssim: number }[] = [];
    for (let g = 0; g < ctx.generators.length; g++) {
      const inputs = rng.fork(`generator-${g}`);
      const post = rng.fork(`postprocess-${g}`);
      let psnr = 0;
      let ssim = 0;
      for (const n of sizes) {
        const images = sample(ctx.generators[g]!, n, inputs);
        const stored = quantize8bit(images);
        const processed = await postProcessed(stored, ctx.postProcess, post.seed());
        const attacked = quantize8bit(processed);
        [psnr, ssim] = tf.tidy(() => [psnr + tf.sum(psnrPerImage(attacked, stored)).dataSync()[0]!, ssim + tf.sum(ssimPerImage(attacked, stored)).dataSync()[0]!]);
        tf.dispose([images, stored, processed, attacked]);
        ctx.progress?.(++done, total);
      }
      perKey.push({ key: ctx.keys[g]!.id, psnr: psnr / samples, ssim: ssim / samples });
    }
    const p = meanAndStd(perKey.map((k) => k.psnr));
    const s = meanAndStd(perKey.map((k) => k.ssim));
    return {
      summary: { psnr: p.mean, psnrStd: p.std, ssim: s.mean, ssimStd: s.std },
      details: { perKey, samples, postProcess: ctx.postProcess?.name ?? null },
    };
  },
};
