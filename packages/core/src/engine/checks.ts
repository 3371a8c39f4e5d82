import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../contracts/generator.js';
import type { ImageSource } from '../contracts/image-source.js';
import type { Key } from '../contracts/key.js';
import type { PostProcess } from '../contracts/post-process.js';
import type { Rng } from '../contracts/rng.js';
import { permutation } from '../util/rng.js';

/** Batch size of the stages' end-of-epoch checks (the release checks in batches of 50). */
export const CHECK_BATCH = 50;

/** Scores of `count` images of `generator` (in its current mode) under `key`, optionally post-processed at eval strength. */
export async function generatedScores(
  generator: Generator, key: Key, count: number, rng: Rng, postProcess?: PostProcess,
): Promise<Float32Array> {
  return (await generatedScoresByKey(generator, [key], count, rng, postProcess))[0]!;
}

/** {@link generatedScores} of the same images under each of `keys` (one array per key). */
export async function generatedScoresByKey(
  generator: Generator, keys: readonly Key[], count: number, rng: Rng, postProcess?: PostProcess,
): Promise<Float32Array[]> {
  const scores = keys.map(() => new Float32Array(count));
  const inputsRng = rng.fork('inputs');
  const postRng = rng.fork('postprocess');
  for (let start = 0; start < count; start += CHECK_BATCH) {
    const n = Math.min(CHECK_BATCH, count - start);
    const images = tf.tidy(() => generator.generate(tf.tidy(() => generator.sampleInputs(n, inputsRng))));
    const processed = postProcess ? await postProcess.apply(images, { mode: 'eval', rng: postRng }) : images;
    for (let k = 0; k < keys.length; k++) {
      const batch = keys[k]!.score(processed);
      scores[k]!.set(await batch.data(), start);
      batch.dispose();
    }
    tf.dispose([images, processed]);
  }
  return scores;
}

/** Scores under `key` of up to `count` real images, a random subset drawn with `rng` when the set is larger. */
export async function realScores(data: ImageSource, key: Pick<Key, 'score'>, count: number | undefined, rng: Rng): Promise<Float32Array> {
  const n = Math.min(count ?? data.size, data.size);
  const indices = n === data.size ? Array.from({ length: n }, (_, i) => i) : permutation(data.size, rng).slice(0, n);
  const scores = new Float32Array(n);
  const batchSize = 256;
  for (let start = 0; start < n; start += batchSize) {
    const images = data.read(indices.slice(start, start + batchSize));
    const batch = key.score(images);
    scores.set(await batch.data(), start);
    tf.dispose([images, batch]);
  }
  return scores;
}

/** Share of `values` satisfying `test`. */
export function share(values: ArrayLike<number>, test: (value: number) => boolean): number {
  let hits = 0;
  for (let i = 0; i < values.length; i++) if (test(values[i]!)) hits += 1;
  return values.length ? hits / values.length : 0;
}
