import * as tf from '@tensorflow/tfjs-core';
import type { Metric, MetricContext, MetricOutline, MetricParts } from '../contracts/metric.js';
import { keyThroughPostProcess } from '../keys/key-through-post-process.js';
import { projectOntoKeyedSide } from '../keys/projection.js';
import { createRng } from '../util/rng.js';
import { checkContext, meanAndStd } from './checks.js';
import { l2PerImage } from './quality.js';
import { forEachSharedBatch, sharedBatchSizes, sharedInputParts } from './shared-inputs.js';

/** Root samples of the floor (the count; each costs one projection per key). */
export const FLOOR_SAMPLES = 2000;
/** The margin of the projection: the training hinge's (keyed images score <= -1). */
export const FLOOR_MARGIN = 1;

/** A part's partial: per batch, per key, [sum of floor distances, sum of the generator's L2 to the root]. */
type FloorSums = [number, number][][];

const samplesOf = (outline: MetricOutline): number => outline.samples ?? FLOOR_SAMPLES;

function check(ctx: MetricOutline): void {
  if (ctx.postProcess && !ctx.postProcess.linearPart) {
    throw new Error(`floor: post-process ${ctx.postProcess.name} has no linear part (T(x) = A x, up to additive noise); the floor is measured without a post-process or under blur, crop, resized-crop, jpeg, noise or combination`);
  }
}

/**
 * The vectors the floor projects along: each key itself, or under a post-process T its
 * A^T phi (A the linear part of T at evaluation strength, drawn once from the metric's stream).
 */
function floorKeys(ctx: MetricContext): Float32Array[] {
  return ctx.keys.map((k, i) => {
    const phi = k.vector.dataSync() as Float32Array;
    if (!ctx.postProcess) return phi;
    const rng = createRng(ctx.rng.fork('floor').fork(String(i)).seed());
    return keyThroughPostProcess(phi, ctx.root.imageShape, ctx.postProcess, { mode: 'eval', rng });
  });
}

const parts: MetricParts<FloorSums> = {
  count: (outline) => sharedInputParts(outline, samplesOf(outline)),
  async compute(ctx: MetricContext, index, count) {
    checkContext(ctx, 'floor');
    check(ctx);
    const keys = floorKeys(ctx);
    const sums: FloorSums = [];
    // The root's and the generators' own images: the floor is a change of the image itself.
    await forEachSharedBatch({ ...ctx, postProcess: undefined }, samplesOf(ctx), (root, generated) => {
      const [n, h, w, c] = root.shape;
      const d = h * w * c;
      // NHWC flattened per image is HWC, the order of attrib's keys.
      const images = root.dataSync() as Float32Array;
      sums.push(generated.map((batch, i) => {
        let floor = 0;
        for (let k = 0; k < n; k++) floor += projectOntoKeyedSide(images.subarray(k * d, (k + 1) * d), keys[i]!, FLOOR_MARGIN).distance;
        const l2 = l2PerImage(batch, root);
        const l2Sum = tf.tidy(() => tf.sum(l2).dataSync()[0]!);
        l2.dispose();
        return [floor, l2Sum];
      }));
    }, { index, count });
    return sums;
  },
  combine(outline, partials) {
    check(outline);
    const samples = samplesOf(outline);
    const batches = partials.flat();
    const expected = sharedBatchSizes(outline, samples).length;
    if (batches.length !== expected) throw new Error(`floor: the parts hold ${batches.length} batches; expected ${expected}`);
    const floors = new Array<number>(outline.keys.length).fill(0);
    const l2s = new Array<number>(outline.keys.length).fill(0);
    for (const batch of batches) {
      batch.forEach(([floor, l2], i) => {
        floors[i]! += floor;
        l2s[i]! += l2;
      });
    }
    const perKey = outline.keys.map((k, i) => {
      const floor = floors[i]! / samples;
      const l2 = l2s[i]! / samples;
      return { key: k.id, floor, l2, ratio: l2 / floor };
    });
    const { mean, std } = meanAndStd(perKey.map((r) => r.floor));
    const l2 = meanAndStd(perKey.map((r) => r.l2)).mean;
    return {
      summary: { mean, std, l2, ratio: l2 / mean },
      details: { perKey, samples, margin: FLOOR_MARGIN, postProcess: outline.postProcess?.name ?? null },
    };
  },
};

/**
 * The quality floor (issue 21): per key, the mean over root samples x0 = G0(z) of ||x* - x0||,
 * x* the projection of x0 onto { x in [-1, 1]^d : phi . x <= -1 }, the smallest change the key
 * claims with the training margin; beside it the keyed generator's mean L2 to the root on the
 * same inputs (the first inputs of `quality`'s stream) and their ratio. Summary: `mean` and `std`
 * of the floor over keys, `l2` the mean L2, `ratio` = l2 / mean floor.
 *
 * Under a post-process T with a linear part A (`PostProcess.linearPart`), the floor under T: the
 * projection of x0 onto { x in [-1, 1]^d : (A^T phi) . x <= -1 }, since phi.T(x) = (A^T phi).x
 * for a linear T (blur, crop and resize, the JPEG approximation, at evaluation strength). For
 * noise (A = I) that is the plain floor, and for the combination the floor under its blur, crop
 * and JPEG: the added noise moves phi.T(x) by phi.n, of mean 0, and the clamp to [-1, 1] is left
 * out. L2 stays the generators' own images' distance to the root's (T is not applied to it).
 */
export const floor: Metric = {
  name: 'floor',
  description: "smallest change of the root's samples that each key claims (projection onto phi.x <= -1 in the box), the keyed generator's L2 on the same inputs, their ratio",
  parts,
  compute: async (ctx) => parts.combine(ctx, [await parts.compute(ctx, 0, 1)]),
};
