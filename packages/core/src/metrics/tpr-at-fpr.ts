import type { Metric, MetricContext, MetricResult } from '../contracts/metric.js';
import { countBelow } from '../calibration/threshold.js';
import { attributionScores } from './attribution-scores.js';
import { checkContext } from './checks.js';
import { quantize8bit } from './quantize.js';
import { batchSizes, DEFAULT_METRIC_BATCH, postProcessed, realIndices, sample, scoreMatrix } from './sampling.js';
import * as tf from '@tensorflow/tfjs-core';

/** The false-attribution rates the field reports TPR at (WAVES: 1e-3). */
export const TPR_FPR_RATES = [1e-2, 1e-3] as const;

/** Summary name of the mean TPR at `rate`: `fpr1e-2`, `fpr1e-3`. */
export const tprSummaryName = (rate: number): string => `fpr${rate.toExponential()}`;

/**
 * TPR at fixed FPR, per key: the authentic images are real images (up to `samples`, a random
 * subset of the data) and as many root samples; the threshold for rate r is the authentic
 * scores' order statistic s_(m+1), m = floor(r n) (at most r n of them lie below it); the TPR is
 * the share of the key's own generator's samples below it (the samples attributability uses).
 * Every image goes through the 8-bit round trip, and the post-process when set. Summary: the
 * mean TPR over keys at each rate (`fpr1e-2`, `fpr1e-3`); details: per key the thresholds, the
 * authentic images below them and the TPR. With n authentic images a rate below about 3.7 / n
 * cannot be measured: the details say so per rate.
 */
export const tprAtFpr: Metric = {
  name: 'tpr-at-fpr',
  description: "per key, the share of its generator's samples scoring below the authentic scores' quantile at FPR 1e-2 and 1e-3 (8-bit round trip)",
  async compute(ctx: MetricContext): Promise<MetricResult> {
    checkContext(ctx, 'tpr-at-fpr');
    const { scores, samples } = await attributionScores(ctx);
    const n = ctx.keys.length;
    const rng = ctx.rng.fork('tpr-at-fpr');
    const batch = ctx.batchSize ?? DEFAULT_METRIC_BATCH;
    const post = rng.fork('postprocess');
    const authentic: number[][] = ctx.keys.map(() => []);
    const add = (matrix: Float32Array) => { for (let i = 0; i < matrix.length; i++) authentic[i % n]!.push(matrix[i]!); };
    const measure = async (images: tf.Tensor4D) => {
      const stored = quantize8bit(images);
      const processed = await postProcessed(stored, ctx.postProcess, post.seed());
      const measured = ctx.postProcess ? quantize8bit(processed) : processed;
      add(scoreMatrix(measured, ctx.keys));
      tf.dispose([images, stored, processed, measured]);
    };
    const indices = realIndices(ctx.data, samples, rng.fork('real'));
    for (let start = 0; start < indices.length; start += batch) await measure(ctx.data.read(indices.slice(start, start + batch)));
    const rootInputs = rng.fork('root');
    for (const size of batchSizes(samples, batch)) await measure(sample(ctx.root, size, rootInputs));
    const perKey = ctx.keys.map((key, k) => {
      const sorted = Float64Array.from(authentic[k]!).sort();
      const own = Float64Array.from({ length: samples }, (_, s) => scores[k]![s * n + k]!).sort();
      const rates = TPR_FPR_RATES.map((rate) => {
        const threshold = sorted[Math.floor(rate * sorted.length)]!;
        return {
          fpr: rate, threshold, authenticBelow: countBelow(sorted, threshold), tpr: countBelow(own, threshold) / samples,
          measurable: sorted.length * rate >= 3.7,
        };
      });
      return { key: key.id, authentic: sorted.length, rates };
    });
    const summary: Record<string, number> = {};
    TPR_FPR_RATES.forEach((rate, r) => (summary[tprSummaryName(rate)] = perKey.reduce((a, k) => a + k.rates[r]!.tpr, 0) / n));
    return { summary, details: { perKey, generatedSamples: samples, postProcess: ctx.postProcess?.name ?? null } };
  },
};
