import * as tf from '@tensorflow/tfjs-core';
import type { MetricContext, MetricOutline } from '../contracts/metric.js';
import { batchSizes, DEFAULT_METRIC_BATCH, postProcessed } from './sampling.js';

/** Shared inputs per part when a metric over them is computed in parts. */
export const SHARED_INPUTS_PER_PART = 2500;

/** Part `index` of `count`: a contiguous range of the batches. */
export interface SharedBatchPart {
  readonly index: number;
  readonly count: number;
}

const WHOLE: SharedBatchPart = { index: 0, count: 1 };

/** The batch sizes of `samples` shared inputs under the outline's batch size. */
export function sharedBatchSizes(outline: MetricOutline, samples: number): number[] {
  return batchSizes(samples, outline.batchSize ?? DEFAULT_METRIC_BATCH);
}

/** Parts for `samples` shared inputs: one per {@link SHARED_INPUTS_PER_PART}, at most one per batch. */
export function sharedInputParts(outline: MetricOutline, samples: number): number {
  return Math.min(sharedBatchSizes(outline, samples).length, Math.ceil(samples / SHARED_INPUTS_PER_PART));
}

/** Batches [from, to) of `part` among `batches`: contiguous, in order, sizes within one batch of each other. */
function partBatches(batches: number, { index, count }: SharedBatchPart): { from: number; to: number } {
  if (!Number.isInteger(count) || count < 1) throw new Error(`part count ${count}: expected a positive whole number`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`part ${index} of ${count}: expected a whole number in [0, ${count})`);
  return { from: Math.floor((index * batches) / count), to: Math.floor(((index + 1) * batches) / count) };
}

/**
 * Runs `visit` over batches of shared inputs: each batch is drawn once from the root's
 * `sampleInputs` and fed to the root and to every keyed generator, so image k of every generator
 * comes from the same input. With `ctx.postProcess`, every image is post-processed at evaluation
 * strength, the root's and each generator's batch with the same random seed. Quality, PSNR and
 * SSIM share the stream, so their first samples are the same.
 *
 * With `part`, visits only that part's batches, each with exactly the inputs and post-process
 * seed it has in the whole run; progress counts its batches out of all of them.
 */
export async function forEachSharedBatch(
  ctx: MetricContext,
  samples: number,
  visit: (root: tf.Tensor4D, generated: readonly tf.Tensor4D[]) => void,
  part: SharedBatchPart = WHOLE,
): Promise<void> {
  const sizes = sharedBatchSizes(ctx, samples);
  const { from, to } = partBatches(sizes.length, part);
  const rng = ctx.rng.fork('shared-inputs');
  const inputsRng = rng.fork('inputs');
  const postRng = rng.fork('postprocess');
  let done = 0;
  for (let batch = 0; batch < to; batch++) {
    const n = sizes[batch]!;
    const inputs = tf.tidy(() => ctx.root.sampleInputs(n, inputsRng));
    const seed = postRng.seed();
    if (batch < from) {
      // An earlier part's batch: drawn only to advance both streams as the whole run does.
      inputs.dispose();
      continue;
    }
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
