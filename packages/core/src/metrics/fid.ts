import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../contracts/generator.js';
import type { Metric, MetricContext, MetricOutline, MetricParts, MetricResult } from '../contracts/metric.js';
import type { Rng } from '../contracts/rng.js';
import { permutation } from '../util/rng.js';
import { FID_FEATURES, loadFidClassifier, type MnistFeatureNet } from './fid-classifier.js';
import { frechetDistance, meanAndCovariance } from './fid-linalg.js';

/**
 * Samples per distribution. The usual FID uses 10,000 (and the release's MNIST split holds
 * 10,000 digits); 2,000 keeps a 5-key run's FID to a few minutes of DCGAN generation on a CPU.
 * FID is biased upwards at small sample counts, so compare values measured with the same count.
 */
export const FID_SAMPLES = 2000;
const DEFAULT_BATCH = 100;

let shared: Promise<{ net: MnistFeatureNet; meta: Readonly<Record<string, unknown>> }> | undefined;

/**
 * The shipped feature network, loaded once per process and kept (its tensors stay allocated);
 * callers that count tensors around FID work load it first.
 */
export function sharedFidFeatureNet(): Promise<{ net: MnistFeatureNet; meta: Readonly<Record<string, unknown>> }> {
  shared ??= loadFidClassifier().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/** Brings images of any size to the network's 32x32x1: grey as the channel mean, bilinear resize. */
export function toFeatureInput(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w, c] = images.shape;
    let x = c === 1 ? images : (tf.mean(images, 3, true) as tf.Tensor4D);
    if (h !== 32 || w !== 32) x = tf.image.resizeBilinear(x, [32, 32], false, true);
    return x;
  });
}

/** Mean and covariance of the features of `count` images that `batch(n)` yields, `n` at a time. */
export async function featureStatistics(
  net: MnistFeatureNet, count: number, batchSize: number, batch: (n: number) => Promise<tf.Tensor4D>, onBatch?: (n: number) => void,
): Promise<{ mean: Float64Array; covariance: Float64Array }> {
  const rows = new Float32Array(count * FID_FEATURES);
  for (let done = 0; done < count; done += batchSize) {
    const n = Math.min(batchSize, count - done);
    const images = await batch(n);
    const features = tf.tidy(() => net.features(toFeatureInput(images)));
    images.dispose();
    rows.set(features.dataSync(), done * FID_FEATURES);
    features.dispose();
    onBatch?.(n);
  }
  return meanAndCovariance(rows, count, FID_FEATURES);
}

async function generated(ctx: MetricContext, generator: Generator, rng: Rng, n: number): Promise<tf.Tensor4D> {
  const images = tf.tidy(() => generator.generate(generator.sampleInputs(n, rng)));
  if (!ctx.postProcess) return images;
  const processed = await ctx.postProcess.apply(images, { mode: 'eval', rng: rng.fork('post-process') });
  if (processed !== images) images.dispose();
  return processed;
}

/** A part's partial: one distribution's feature statistics (the real part also says how many real images and the network's accuracy). */
interface FidPart {
  readonly mean: Float64Array;
  readonly covariance: Float64Array;
  readonly count: number;
  readonly testAccuracy?: unknown;
}

function samplesOf(outline: MetricOutline): number {
  const samples = outline.samples ?? FID_SAMPLES;
  if (!Number.isInteger(samples) || samples < 2) throw new Error(`fid: sample count must be an integer >= 2, got ${samples}`);
  return samples;
}

/**
 * FID in parts, one per distribution: part 0 the real digits, part 1 the root, part 2 + i the
 * keyed generator i (each draws from its own fork of the stream, so the parts are independent).
 */
const fidParts: MetricParts<FidPart> = {
  count: (outline) => outline.keys.length + 2,
  async compute(ctx, index, count) {
    const samples = samplesOf(ctx);
    if (count !== ctx.generators.length + 2) throw new Error(`fid: ${count} parts; expected ${ctx.generators.length + 2} (real, root, each generator)`);
    const batchSize = ctx.batchSize ?? DEFAULT_BATCH;
    const { net, meta } = await sharedFidFeatureNet();
    const realCount = Math.min(samples, ctx.data.size);
    const total = realCount + samples * (ctx.generators.length + 1);
    // Progress in the whole metric's units: this part's images out of every part's.
    let done = 0;
    const tick = (n: number): void => {
      done += n;
      ctx.progress?.(done, total);
    };
    if (index === 0) {
      const realOrder = permutation(ctx.data.size, ctx.rng.fork('fid-real')).slice(0, realCount);
      let cursor = 0;
      const stats = await featureStatistics(net, realCount, batchSize, async (n) => {
        const indices = realOrder.slice(cursor, cursor + n);
        cursor += n;
        return ctx.data.read(indices);
      }, tick);
      return { ...stats, count: realCount, testAccuracy: meta.testAccuracy ?? null };
    }
    const generator = index === 1 ? ctx.root : ctx.generators[index - 2]!;
    const label = index === 1 ? 'root' : ctx.keys[index - 2]?.id ?? String(index - 2);
    const rng = ctx.rng.fork(`fid-${label}`);
    return { ...(await featureStatistics(net, samples, batchSize, (n) => generated(ctx, generator, rng, n), tick)), count: samples };
  },
  combine(outline, partials) {
    if (partials.length !== outline.keys.length + 2) throw new Error(`fid: ${partials.length} parts; expected ${outline.keys.length + 2}`);
    const [real, root, ...keyed] = partials as [FidPart, FidPart, ...FidPart[]];
    const distance = (stats: FidPart): number => frechetDistance(real.mean, real.covariance, stats.mean, stats.covariance, FID_FEATURES);
    const perKey = keyed.map(distance);
    const mean = perKey.length ? perKey.reduce((a, b) => a + b, 0) / perKey.length : Number.NaN;
    const std = perKey.length ? Math.sqrt(perKey.reduce((s, v) => s + (v - mean) ** 2, 0) / perKey.length) : Number.NaN;
    return {
      summary: { root: distance(root), mean, std },
      details: {
        perKey: perKey.map((value, i) => ({ key: outline.keys[i]?.id ?? String(i), fid: value })),
        samples: samplesOf(outline),
        realSamples: real.count,
        featureNetwork: { file: 'fid-mnist-classifier.ckpt', testAccuracy: real.testAccuracy ?? null },
        postProcess: outline.postProcess?.name ?? null,
      },
    };
  },
};

/**
 * FID on MNIST: the Fréchet distance between Gaussians fitted to the penultimate-layer features
 * (128) of attrib's own MNIST classifier, for real digits and for each generator's samples,
 * the root's included. Summary: `root`, and `mean` / `std` over the keyed generators.
 * A post-process, when given, is applied to generated images (not to the real ones).
 * Computed whole, or in parts (one per distribution) by worker threads.
 */
export const fid: Metric = {
  name: 'fid',
  description: 'Fréchet distance of MNIST-classifier features between real digits and each generator (root included)',
  parts: fidParts,
  async compute(ctx: MetricContext): Promise<MetricResult> {
    const count = fidParts.count(ctx);
    const partials: FidPart[] = [];
    let before = 0;
    for (let index = 0; index < count; index++) {
      const progress = (done: number, total: number): void => ctx.progress?.(before + done, total);
      const partial = await fidParts.compute({ ...ctx, progress }, index, count);
      partials.push(partial);
      before += partial.count;
    }
    return fidParts.combine(ctx, partials);
  },
};

export { MnistFeatureNet, loadFidClassifier, FID_CLASSIFIER_FILE, FID_CLASSIFIER_SHAPE, FID_FEATURES } from './fid-classifier.js';
export { trainFidClassifier, classifierAccuracy, crossEntropy, type FidClassifierTrainingOptions } from './fid-classifier-training.js';
export { frechetDistance, meanAndCovariance, sqrtmSymmetric, symmetricEigen } from './fid-linalg.js';
