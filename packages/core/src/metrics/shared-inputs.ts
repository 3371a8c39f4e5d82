import * as tf from '@tensorflow/tfjs-core';
import type { MetricContext } from '../contracts/metric.js';
import { batchSizes, DEFAULT_METRIC_BATCH, postProcessed } from './sampling.js';

/**
 * Runs `visit` over batches of shared inputs: each batch is drawn once from the root's
 * `sampleInputs` and fed to the root and to every keyed generator, so image k of every generator
 * comes from the same input. With `ctx.postProcess`, every image is post-processed at evaluation
 * strength, the root's and each generator's batch with the same random seed. Quality, PSNR and
 * SSIM share the stream, so their first samples are the same.
 */
export async function forEachSharedBatch(
  ctx: MetricContext,
  samples: number,
  visit: (root: tf.Tensor4D, generated: readonly tf.Tensor4D[]) => void,
): Promise<void> {
  const sizes = batchSizes(samples, ctx.batchSize ?? DEFAULT_METRIC_BATCH);
  const rng = ctx.rng.fork('shared-inputs');
  const inputsRng = rng.fork('inputs');
  const postRng = rng.fork('postprocess');
  let done = 0;
  for (const n of sizes) {
    const inputs = tf.tidy(() => ctx.root.sampleInputs(n, inputsRng));
    const seed = postRng.seed();
    const made: tf.Tensor[] = [inputs];
    try {
      const rootImages = ctx.root.generate(inputs);
      made.push(rootImages);
      const root = await postProcessed(rootImages, ctx.postProcess, seed);
      made.push(root);
      const generated: tf.Tensor4D[] = [];
      for (const generator of ctx.generators) {
        const images = generator.generate(inputs);
        made.push(images);
        const processed = await postProcessed(images, ctx.postProcess, seed);
        made.push(processed);
        generated.push(processed);
      }
      visit(root, generated);
    } finally {
      tf.dispose(made);
    }
    ctx.progress?.(++done, sizes.length);
  }
}
