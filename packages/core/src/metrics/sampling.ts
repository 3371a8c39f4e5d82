import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../contracts/generator.js';
import type { ImageSource } from '../contracts/image-source.js';
import type { Key } from '../contracts/key.js';
import type { MetricContext } from '../contracts/metric.js';
import type { PostProcess } from '../contracts/post-process.js';
import type { Rng } from '../contracts/rng.js';
import { createRng, permutation } from '../util/rng.js';

/** Generation batch size when the context sets none (the release evaluates in batches of 50 to 100). */
export const DEFAULT_METRIC_BATCH = 100;

/** Batch sizes that add up to `total`. */
export function batchSizes(total: number, batchSize: number): number[] {
  if (!Number.isInteger(total) || total <= 0) throw new Error(`sample count must be a positive integer, got ${total}`);
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const sizes: number[] = [];
  for (let done = 0; done < total; done += batchSize) sizes.push(Math.min(batchSize, total - done));
  return sizes;
}

/**
 * Applies `postProcess` at evaluation strength with a stream seeded by `seed` (so two calls with
 * the same seed draw the same randomness, e.g. the same noise for a generator and the root).
 * Returns `images` itself when there is no post-process. Does not dispose `images`.
 */
export async function postProcessed(images: tf.Tensor4D, postProcess: PostProcess | undefined, seed: number): Promise<tf.Tensor4D> {
  if (!postProcess) return images;
  return postProcess.apply(images, { mode: 'eval', rng: createRng(seed) });
}

/** Scores of a batch of images under every key: [n, keys] row-major. */
export function scoreMatrix(images: tf.Tensor4D, keys: readonly Key[]): Float32Array {
  return tf.tidy(() => {
    const flat = tf.reshape(images, [images.shape[0], -1]);
    const stacked = tf.stack(keys.map((k) => k.vector), 1);
    return tf.matMul(flat, stacked).dataSync() as Float32Array;
  });
}

/** Up to `count` real images' indices: all of them when the set is no larger, else a random subset. */
export function realIndices(data: ImageSource, count: number, rng: Rng): number[] {
  if (data.size === 0) throw new Error(`data ${data.description} is empty; metrics need real images`);
  if (count >= data.size) return Array.from({ length: data.size }, (_, i) => i);
  return permutation(data.size, rng).slice(0, count);
}

/** Draws `n` inputs from `generator` and generates; the caller disposes the images. */
export function sample(generator: Generator, n: number, rng: Rng): tf.Tensor4D {
  return tf.tidy(() => generator.generate(generator.sampleInputs(n, rng)));
}

/** Reports progress if the context wants it. */
export function progressOf(ctx: MetricContext, total: number): (done: number) => void {
  return (done) => ctx.progress?.(done, total);
}
