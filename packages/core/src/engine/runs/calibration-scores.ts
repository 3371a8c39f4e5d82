import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../../contracts/generator.js';
import type { ImageSource } from '../../contracts/image-source.js';
import type { Key } from '../../contracts/key.js';
import type { PostProcess } from '../../contracts/post-process.js';
import type { Rng } from '../../contracts/rng.js';
import { quantize8bit } from '../../metrics/quantize.js';
import { batchSizes, DEFAULT_METRIC_BATCH, postProcessed, sample, scoreMatrix } from '../../metrics/sampling.js';

/** How images are measured: the post-process (if any) and the generation batch size. */
export interface Measurement {
  readonly keys: readonly Key[];
  readonly postProcess?: PostProcess | undefined;
  readonly batchSize?: number | undefined;
}

/**
 * Scores of a batch under every key ([n, keys] row-major) as attributability measures samples:
 * the 8-bit round trip, then (with a post-process) the post-process at evaluation strength with
 * a stream seeded by `seed` and a second round trip. Does not dispose `images`.
 */
export async function measuredScores(images: tf.Tensor4D, m: Measurement, seed: number): Promise<Float32Array> {
  const stored = quantize8bit(images);
  const made: tf.Tensor[] = [stored];
  try {
    let measured = stored;
    if (m.postProcess) {
      const processed = await postProcessed(stored, m.postProcess, seed);
      if (processed !== stored) made.push(processed);
      measured = quantize8bit(processed);
      made.push(measured);
    }
    return scoreMatrix(measured, m.keys);
  } finally {
    tf.dispose(made);
  }
}

/** Every image of `source`, measured in batches: [size, keys] row-major. */
export async function sourceScores(source: ImageSource, m: Measurement, rng: Rng, progress?: () => void): Promise<Float32Array> {
  const out = new Float32Array(source.size * m.keys.length);
  let start = 0;
  for (const n of batchSizes(source.size, m.batchSize ?? DEFAULT_METRIC_BATCH)) {
    const images = source.read(Array.from({ length: n }, (_, i) => start + i));
    try {
      out.set(await measuredScores(images, m, rng.seed()), start * m.keys.length);
    } finally {
      images.dispose();
    }
    start += n;
    progress?.();
  }
  return out;
}

/** `samples` samples of `generator`, measured in batches: [samples, keys] row-major. */
export async function generatorScores(generator: Generator, samples: number, m: Measurement, rng: Rng, progress?: () => void): Promise<Float32Array> {
  const out = new Float32Array(samples * m.keys.length);
  const inputs = rng.fork('inputs');
  const post = rng.fork('postprocess');
  let offset = 0;
  for (const n of batchSizes(samples, m.batchSize ?? DEFAULT_METRIC_BATCH)) {
    const images = sample(generator, n, inputs);
    try {
      out.set(await measuredScores(images, m, post.seed()), offset);
    } finally {
      images.dispose();
    }
    offset += n * m.keys.length;
    progress?.();
  }
  return out;
}

/** Column `key` of a [n, keys] row-major score matrix. */
export function column(matrix: Float32Array, keys: number, key: number): Float64Array {
  const n = matrix.length / keys;
  return Float64Array.from({ length: n }, (_, i) => matrix[i * keys + key]!);
}
