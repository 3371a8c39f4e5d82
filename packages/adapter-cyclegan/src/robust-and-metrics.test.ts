import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRng, LinearKey, psnr, quality, ssim, trainRobustGenerator,
  type ImageSource, type MetricContext, type PostProcess,
} from '@attrib/core';
import { cycleganAdapter } from './adapter.js';
import type { CycleganGenerator } from './generator.js';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

// Robust training and the shared-input metrics go through Generator.sampleInputs and generate
// only, so they take an image-to-image generator unchanged. With a single source image every
// shared input is that image, which makes the quality metric computable by hand.
const SHAPE = { height: 8, width: 8, channels: 3 };

function oneImageSource(): ImageSource & { dispose(): void } {
  const image = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 192), [1, 8, 8, 3])) as tf.Tensor4D);
  return { description: 'one image', shape: SHAPE, size: 1, read: (indices) => tf.tidy(() => tf.tile(image, [indices.length, 1, 1, 1])), dispose: () => image.dispose() };
}

/** A differentiable post-process: scales images by a factor in [0.7, 1] (0.7 at evaluation). */
const contrast: PostProcess = {
  name: 'contrast', params: {}, differentiable: true,
  apply: (images, ctx) => tf.mul(images, ctx.mode === 'eval' ? 0.7 : 0.7 + 0.3 * ctx.rng.uniform()) as tf.Tensor4D,
};

describe('robust training and the shared-input metrics with a CycleGAN generator', () => {
  let inputs: ReturnType<typeof oneImageSource>;
  beforeAll(async () => {
    await useBackend('cpu');
    inputs = oneImageSource();
  });
  afterAll(() => inputs.dispose());

  it('the robust stage fine-tunes a copy; quality is ||G_i(x) - G0(x)|| of the shared input', async () => {
    const before = tf.memory().numTensors;
    const root = cycleganAdapter.create({ ngf: 2, blocks: 1, seed: 1 }, { inputs }) as CycleganGenerator;
    root.freeze();
    const key = LinearKey.random('key-1', SHAPE, createRng(4));
    const ctx = { root, data: inputs, rng: createRng(5) };
    const rootState = root.state();
    const { generator, history } = await trainRobustGenerator(ctx, key, root, contrast, {
      epochs: 2, batchSize: 2, stepsPerEpoch: 3, lr: 0.01, checkSamples: 4, probability: 1,
    });
    expect(history.length).toBe(2);
    const after = root.state();
    for (const name of Object.keys(rootState)) expect(maxAbsDiff(rootState[name]!.dataSync(), after[name]!.dataSync()), name).toBe(0);

    const x = inputs.read([0]);
    const [a, b] = tf.tidy(() => [generator.generate(x).dataSync(), root.generate(x).dataSync()]) as [Float32Array, Float32Array];
    const squares = a.map((v, i) => (v - b[i]!) ** 2);
    const norm = Math.sqrt(squares.reduce((s, v) => s + v, 0));
    const mseOnUnitRange = squares.reduce((s, v) => s + v / 4, 0) / squares.length;
    expect(norm).toBeGreaterThan(1e-3); // training moved the generator
    const metricCtx: MetricContext = { root, generators: [generator], keys: [key], data: inputs, rng: createRng(6), samples: 5, batchSize: 2 };
    expect((await quality.compute(metricCtx)).summary.mean).toBeCloseTo(norm, 4);
    expect((await psnr.compute(metricCtx)).summary.mean).toBeCloseTo(-10 * Math.log10(mseOnUnitRange), 3);
    const similarity = (await ssim.compute(metricCtx)).summary.mean!;
    expect(similarity).toBeGreaterThan(0);
    expect(similarity).toBeLessThan(1);

    tf.dispose([x, ...Object.values(rootState), ...Object.values(after)]);
    generator.dispose();
    root.dispose();
    key.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
