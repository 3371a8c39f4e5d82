import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metric, MetricContext, MetricParts, MetricResult } from '../contracts/metric.js';
import type { PostProcess } from '../contracts/post-process.js';
import { LinearKey } from '../keys/linear-key.js';
import { useBackend } from '@attrib/testing/backend';
import { DenseGenerator } from '@attrib/testing/dense-generator';
import { MemoryImageSource } from '@attrib/testing/memory-source';
import { createRng } from '../util/rng.js';
import { psnr, quality, ssim } from './quality.js';

/**
 * Multiplicative noise drawn from the post-process seed (additive noise would cancel in the
 * differences to the root), so a part given another batch's seed would show.
 */
const noise: PostProcess = {
  name: 'test-noise', params: { std: 0.2 }, differentiable: true,
  apply: (images, ctx) => tf.tidy(() => tf.mul(images, tf.randomNormal(images.shape, 1, 0.2, 'float32', ctx.rng.seed())) as tf.Tensor4D),
};

// 12x12 images: SSIM's 11x11 window fits. Dense generators draw their inputs from the rng alone.
const config = { latent: 3, height: 12, width: 12, channels: 1, batchNorm: false, weightScale: 0.4, biasScale: 0.3 };
let subjects: Pick<MetricContext, 'root' | 'generators' | 'keys' | 'data'>;
const made: { dispose(): void }[] = [];

beforeAll(async () => {
  await useBackend('cpu');
  const root = new DenseGenerator({ ...config, seed: 1 });
  const generators = [2, 3, 4].map((seed) => new DenseGenerator({ ...config, seed }));
  const keys = generators.map((g, i) => LinearKey.random(`key-${i + 1}`, g.imageShape, createRng(10 + i)));
  const data = new MemoryImageSource(root.imageShape, new Float32Array(144));
  made.push(root, ...generators, ...keys, data);
  subjects = { root, generators, keys, data };
});
afterAll(() => made.forEach((m) => m.dispose()));

/** 10 samples in batches of 3: four batches, the last of one input. */
function context(extra: Partial<MetricContext> = {}): MetricContext {
  return { ...subjects, rng: createRng(5), samples: 10, batchSize: 3, ...extra };
}

function partsOf(metric: Metric): MetricParts {
  if (!metric.parts) throw new Error(`${metric.name} has no parts`);
  return metric.parts;
}

describe('quality, PSNR and SSIM in parts', () => {
  for (const metric of [quality, psnr, ssim]) {
    it(`${metric.name}: every split of the batches combines to exactly the whole result, leaving no tensor`, async () => {
      const wholes: MetricResult[] = [];
      for (const postProcess of [undefined, noise]) {
        const ctx = context(postProcess ? { postProcess } : {});
        const whole = await metric.compute(ctx);
        wholes.push(whole);
        // 1 to 4 parts over 4 batches (3: one part of two batches), and 6, more parts than batches.
        for (const count of [1, 2, 3, 4, 6]) {
          const before = tf.memory().numTensors;
          const partials: unknown[] = [];
          for (let index = 0; index < count; index++) partials.push(await partsOf(metric).compute(ctx, index, count));
          expect(tf.memory().numTensors).toBe(before);
          expect(partsOf(metric).combine(ctx, partials)).toEqual(whole);
        }
      }
      // The noise counts, so a part drawing another batch's post-process seed would differ.
      expect(wholes[1]!.summary.mean).not.toBe(wholes[0]!.summary.mean);
      expect(wholes.map((w) => w.details!.postProcess)).toEqual([null, 'test-noise']);
    });
  }

  it('parts report their own batches out of the whole total, adding up to it', async () => {
    const count = 3;
    const lastNote: [number, number][] = [];
    for (let index = 0; index < count; index++) {
      await partsOf(ssim).compute(context({ progress: (done, total) => (lastNote[index] = [done, total]) }), index, count);
    }
    expect(lastNote).toEqual([[1, 4], [1, 4], [2, 4]]);
  });

  it('combining a part short is an error naming the metric', async () => {
    const ctx = context();
    const first = await partsOf(psnr).compute(ctx, 0, 2);
    expect(() => partsOf(psnr).combine(ctx, [first])).toThrow('psnr: the parts hold 2 batches; expected 4');
  });

  it('count: one part per 2,500 shared inputs, at most one per batch, at least one', () => {
    const outline = (samples?: number, batchSize?: number) => ({ keys: [{ id: 'key-1' }], ...(samples ? { samples } : {}), ...(batchSize ? { batchSize } : {}) });
    expect(partsOf(quality).count(outline())).toBe(4);
    expect(partsOf(psnr).count(outline())).toBe(1);
    expect(partsOf(ssim).count(outline(5001))).toBe(3);
    expect(partsOf(quality).count(outline(10_000, 5000))).toBe(2);
    expect(partsOf(quality).count(outline(7))).toBe(1);
  });
});
