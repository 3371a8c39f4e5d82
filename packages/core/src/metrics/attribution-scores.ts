import * as tf from '@tensorflow/tfjs-core';
import type { MetricContext } from '../contracts/metric.js';
import { quantize8bit } from './quantize.js';
import { batchSizes, DEFAULT_METRIC_BATCH, postProcessed, scoreMatrix, sample } from './sampling.js';

/** Samples per generator of the release's attributability script. */
export const ATTRIBUTION_SAMPLES = 1000;

/**
 * For each generator g, the scores of its samples under every key ([samples, keys] row-major),
 * measured as the release measures them: each sample goes through the 8-bit PNG round trip
 * ({@link quantize8bit}); with `ctx.postProcess` it is then post-processed at evaluation strength
 * and round-tripped again (the release writes the attacked images to PNG once more).
 * Attributability and the attribution matrix draw the same samples (same streams).
 */
export async function attributionScores(ctx: MetricContext): Promise<{ scores: Float32Array[]; samples: number }> {
  const samples = ctx.samples ?? ATTRIBUTION_SAMPLES;
  const sizes = batchSizes(samples, ctx.batchSize ?? DEFAULT_METRIC_BATCH);
  const rng = ctx.rng.fork('attribution-samples');
  const postRng = rng.fork('postprocess');
  const total = sizes.length * ctx.generators.length;
  let done = 0;
  const scores: Float32Array[] = [];
  for (let g = 0; g < ctx.generators.length; g++) {
    const inputs = rng.fork(`generator-${g}`);
    const out = new Float32Array(samples * ctx.keys.length);
    let offset = 0;
    for (const n of sizes) {
      const images = sample(ctx.generators[g]!, n, inputs);
      const stored = quantize8bit(images);
      let measured = stored;
      if (ctx.postProcess) {
        const processed = await postProcessed(stored, ctx.postProcess, postRng.seed());
        measured = quantize8bit(processed);
        if (processed !== stored) processed.dispose();
      }
      out.set(scoreMatrix(measured, ctx.keys), offset);
      offset += n * ctx.keys.length;
      tf.dispose([images, stored, measured]);
      ctx.progress?.(++done, total);
    }
    scores.push(out);
  }
  return { scores, samples };
}
