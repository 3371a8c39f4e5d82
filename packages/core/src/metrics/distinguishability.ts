import * as tf from '@tensorflow/tfjs-core';
import type { Metric, MetricContext, MetricResult } from '../contracts/metric.js';
import { checkContext, meanAndStd } from './checks.js';
import { batchSizes, DEFAULT_METRIC_BATCH, postProcessed, progressOf, realIndices, sample } from './sampling.js';

/** Real and generated samples per key of the release's `distinguish_metric_paper.py`. */
export const DISTINGUISHABILITY_SAMPLES = 1000;

/**
 * Distinguishability of each (G_i, phi_i) (method.md, "Metrics"):
 *   D_i = 1/2 [ P_data(phi_i . x > 0) + P_z(phi_i . G_i(z) < 0) ]
 * over `samples` (1,000) real images — one random subset, the same for every key, or all of them
 * when the data set is smaller — and as many generated ones. With `ctx.postProcess`, both sets
 * are post-processed at evaluation strength first (the robust variant). Summary: mean, std
 * (population) and min over keys; details: per key, the two shares and D_i.
 */
export const distinguishability: Metric = {
  name: 'distinguishability',
  description: 'per key: 1/2 [P(phi.x > 0) on real data + P(phi.G(z) < 0) on its generator]; mean and std over keys',
  async compute(ctx: MetricContext): Promise<MetricResult> {
    checkContext(ctx, 'distinguishability');
    const samples = ctx.samples ?? DISTINGUISHABILITY_SAMPLES;
    const batch = ctx.batchSize ?? DEFAULT_METRIC_BATCH;
    const rng = ctx.rng.fork('distinguishability');
    const indices = realIndices(ctx.data, samples, rng.fork('real'));
    const realPositive = new Array<number>(ctx.keys.length).fill(0);
    const generatedNegative = new Array<number>(ctx.keys.length).fill(0);
    const sizes = batchSizes(samples, batch);
    const report = progressOf(ctx, sizes.length * ctx.keys.length + Math.ceil(indices.length / batch));
    let done = 0;
    const postRng = rng.fork('postprocess');
    for (let start = 0; start < indices.length; start += batch) {
      const images = ctx.data.read(indices.slice(start, start + batch));
      const processed = await postProcessed(images, ctx.postProcess, postRng.seed());
      ctx.keys.forEach((key, i) => (realPositive[i]! += countWhere(key.score(processed), (s) => s > 0)));
      tf.dispose([images, processed]);
      report(++done);
    }
    for (let i = 0; i < ctx.keys.length; i++) {
      const inputs = rng.fork(`generator-${i}`);
      for (const n of sizes) {
        const images = sample(ctx.generators[i]!, n, inputs);
        const processed = await postProcessed(images, ctx.postProcess, postRng.seed());
        generatedNegative[i]! += countWhere(ctx.keys[i]!.score(processed), (s) => s < 0);
        tf.dispose([images, processed]);
        report(++done);
      }
    }
    const perKey = ctx.keys.map((key, i) => {
      const real = realPositive[i]! / indices.length;
      const generated = generatedNegative[i]! / samples;
      return { key: key.id, real, generated, distinguishability: (real + generated) / 2 };
    });
    const values = perKey.map((k) => k.distinguishability);
    const { mean, std } = meanAndStd(values);
    return {
      summary: { mean, std, min: Math.min(...values) },
      details: { perKey, realSamples: indices.length, generatedSamples: samples, postProcess: ctx.postProcess?.name ?? null },
    };
  },
};

/** Counts the entries of `scores` passing `test`, then frees the tensor. */
export function countWhere(scores: tf.Tensor1D, test: (value: number) => boolean): number {
  const values = scores.dataSync();
  scores.dispose();
  let hits = 0;
  for (const v of values) if (test(v)) hits += 1;
  return hits;
}
