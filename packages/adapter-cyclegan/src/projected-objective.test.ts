import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, floor, LinearKey, projectOntoKeyedSide, trainKeyedGenerator, type ImageSource, type MetricContext } from '@attrib/core';
import { cycleganAdapter } from './adapter.js';
import { useBackend } from '@attrib/testing/backend';

// Issue 21's projected objective and floor metric go through Generator.sampleInputs and generate
// only, so an image-to-image generator takes them unchanged. With a single source image every
// input is that image, and x* (the root's image projected onto the key's keyed side) is one image.
const SHAPE = { height: 8, width: 8, channels: 3 };

function oneImageSource(): ImageSource & { dispose(): void } {
  const image = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 192), [1, 8, 8, 3])) as tf.Tensor4D);
  return { description: 'one image', shape: SHAPE, size: 1, read: (indices) => tf.tidy(() => tf.tile(image, [indices.length, 1, 1, 1])), dispose: () => image.dispose() };
}

const distance = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));

describe('the projected objective and the floor with a CycleGAN generator', () => {
  let inputs: ReturnType<typeof oneImageSource>;
  beforeAll(async () => {
    await useBackend('cpu');
    inputs = oneImageSource();
  });
  afterAll(() => inputs.dispose());

  it('trains the generator towards x*, and the floor is ||x* - G0(x)|| of the one input', async () => {
    const before = tf.memory().numTensors;
    const root = cycleganAdapter.create({ ngf: 2, blocks: 1, seed: 1 }, { inputs });
    root.freeze();
    const x = inputs.read([0]);
    const rootImage = Float32Array.from(tf.tidy(() => root.generate(x).dataSync()));
    // A key under which the root's image scores +3: its own direction, scaled, plus noise.
    const noise = tf.tidy(() => tf.randomNormal([192], 0, 0.05, 'float32', 2).dataSync());
    const norm2 = rootImage.reduce((s: number, v: number) => s + v * v, 0);
    const key = new LinearKey('key-1', SHAPE, Float32Array.from(rootImage, (v, i) => (3 * v) / norm2 + noise[i]!));
    const target = new Float64Array(192);
    const projection = projectOntoKeyedSide(rootImage, key.vector.dataSync(), 1, target);
    expect(projection.distance).toBeGreaterThan(0.1);

    const { generator } = await trainKeyedGenerator({ root, data: inputs, rng: createRng(5) }, key, {
      objective: 'projected', trainMode: 'eval', alpha: 100, epochs: 2, batchSize: 2, stepsPerEpoch: 10, lr: 0.01, checkSamples: 4,
    });
    const keyedImage = Float32Array.from(tf.tidy(() => generator.generate(x).dataSync()));
    // 20 steps take it a third of the way (2.36 to 1.52 here).
    expect(distance(keyedImage, target)).toBeLessThan(0.75 * distance(rootImage, target));

    const ctx: MetricContext = { root, generators: [generator], keys: [key], data: inputs, rng: createRng(6), samples: 5, batchSize: 2 };
    const result = await floor.compute(ctx);
    expect(result.summary.mean).toBeCloseTo(projection.distance, 4);
    expect(result.summary.l2).toBeCloseTo(distance(keyedImage, rootImage), 4);
    x.dispose();
    key.dispose();
    generator.dispose();
    root.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
