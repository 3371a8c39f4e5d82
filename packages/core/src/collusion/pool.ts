import * as tf from '@tensorflow/tfjs-core';
import type { Generator, NamedTensors } from '../contracts/generator.js';

/**
 * How colluders pool their keyed generators:
 * - `weights`: one generator whose every weight is the mean of theirs (same architecture);
 * - `outputs`: the pixel-wise mean of their images of one input;
 * - `splice`: their images of one input cut into k vertical strips of (nearly) equal width,
 *   strip j from colluder j.
 */
export type PoolMethod = 'weights' | 'outputs' | 'splice';
export const POOL_METHODS: readonly PoolMethod[] = ['weights', 'outputs', 'splice'];

/**
 * A generator with the mean of every weight of `generators` (batch-norm statistics included;
 * integer weights are averaged and truncated back), built on a clone of the first; the caller
 * disposes it. Throws naming the first generator whose adapter or weights (names, shapes) differ.
 */
export function averageWeights(generators: readonly Generator[], names: readonly string[] = generators.map((_, i) => `generator ${i + 1}`)): Generator {
  if (generators.length === 0) throw new Error('weights pooling: no generators to average');
  const first = generators[0]!;
  generators.forEach((g, i) => {
    if (g.adapter !== first.adapter) throw new Error(`weights pooling needs one architecture: ${names[i]} is ${g.adapter}, ${names[0]} is ${first.adapter}`);
  });
  const states: NamedTensors[] = [];
  let mean: NamedTensors | undefined;
  let pooled: Generator | undefined;
  try {
    for (const g of generators) states.push(g.state());
    const reference = states[0]!;
    states.forEach((state, i) => {
      for (const [name, value] of Object.entries(reference)) {
        const other = state[name];
        if (!other || other.shape.join('x') !== value.shape.join('x')) {
          throw new Error(`weights pooling needs one architecture: ${names[i]} has no weight ${name} of shape [${value.shape}] as ${names[0]} has`);
        }
      }
      const extra = Object.keys(state).find((name) => !(name in reference));
      if (extra) throw new Error(`weights pooling needs one architecture: ${names[i]} has a weight ${extra} that ${names[0]} has not`);
    });
    mean = tf.tidy(() => Object.fromEntries(Object.entries(reference).map(([name, value]) => {
      const sum = tf.addN(states.map((s) => tf.cast(s[name]!, 'float32')));
      return [name, tf.cast(tf.div(sum, states.length), value.dtype)];
    })));
    pooled = first.clone();
    pooled.loadState(mean);
    return pooled;
  } catch (error) {
    pooled?.dispose();
    throw error;
  } finally {
    states.forEach((s) => tf.dispose(Object.values(s)));
    if (mean) tf.dispose(Object.values(mean));
  }
}

/** Column c of a `width`-wide image belongs to strip floor(c k / width), of k strips. */
export function spliceOwner(column: number, width: number, k: number): number {
  return Math.floor((column * k) / width);
}

/** The images cut into vertical strips, strip j from `images[j]` ({@link spliceOwner}). */
export function spliceImages(images: readonly tf.Tensor4D[]): tf.Tensor4D {
  const k = images.length;
  const width = images[0]!.shape[2];
  if (k > width) throw new Error(`splice pooling: ${k} colluders need images at least ${k} pixels wide, got ${width}`);
  return tf.tidy(() => {
    const strips: tf.Tensor4D[] = [];
    for (let j = 0; j < k; j++) {
      const from = Math.ceil((j * width) / k);
      const to = Math.ceil(((j + 1) * width) / k);
      strips.push(tf.slice(images[j]!, [0, 0, from, 0], [-1, -1, to - from, -1]));
    }
    return tf.concat(strips, 2);
  });
}

/**
 * The pooled images of `inputs`: by `method` from the colluders' generators (for `weights`,
 * `pooled` is their {@link averageWeights}). The caller disposes the result.
 */
export function pooledImages(method: PoolMethod, colluders: readonly Generator[], pooled: Generator | undefined, inputs: tf.Tensor): tf.Tensor4D {
  if (method === 'weights') {
    if (!pooled) throw new Error('weights pooling: the averaged generator is missing');
    return pooled.generate(inputs);
  }
  return tf.tidy(() => {
    const images = colluders.map((g) => g.generate(inputs));
    return method === 'outputs' ? (tf.div(tf.addN(images), images.length) as tf.Tensor4D) : spliceImages(images);
  });
}
