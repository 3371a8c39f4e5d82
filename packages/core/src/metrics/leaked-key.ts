import * as tf from '@tensorflow/tfjs-core';
import type { Metric, MetricContext, MetricResult } from '../contracts/metric.js';
import { imageSize } from '../contracts/image.js';
import { leastBoxShift } from './box-shift.js';
import { checkContext } from './checks.js';
import { quantize8bit } from './quantize.js';
import { batchSizes, DEFAULT_METRIC_BATCH, sample } from './sampling.js';
import { PSNR_MIN_MSE } from './ssim-index.js';

/** Images attacked per key and per direction when the context sets no sample count. */
export const LEAKED_KEY_SAMPLES = 200;

/** Mean L2, mean PSNR and how many images needed no change, over one key's attacked images. */
export interface AttackCost {
  /** Mean L2 distance (images in [-1, 1]) of the least change that crosses the key's boundary. */
  readonly l2: number;
  /** Mean PSNR (dB, images on [0, 1], 100 dB for no change) of the attacked image against the original. */
  readonly psnr: number;
  /** Share of images already on the other side of the boundary (no change needed). */
  readonly alreadyAcross: number;
}

/** PSNR (dB) of a change of squared L2 `squared` over `d` values in [-1, 1], measured on [0, 1]. */
export function psnrOfChange(squared: number, d: number): number {
  return -10 * Math.log10(Math.max(squared / 4 / d, PSNR_MIN_MSE));
}

/**
 * The cost of the least change that brings each image's score `sign * phi . x` up to 0.
 * sign +1: removal (a keyed sample, scoring < 0, made to score > 0); sign -1: framing (an
 * authentic image, scoring > 0, made to score < 0).
 */
export function attackCost(images: Float32Array, d: number, phi: Float32Array, sign: 1 | -1): AttackCost {
  const direction = sign === 1 ? phi : Float32Array.from(phi, (v) => -v);
  const n = images.length / d;
  let l2 = 0;
  let psnr = 0;
  let across = 0;
  for (let i = 0; i < n; i++) {
    const { squaredDistance } = leastBoxShift(images.subarray(i * d, (i + 1) * d), direction, 0);
    if (squaredDistance === 0) across += 1;
    l2 += Math.sqrt(squaredDistance);
    psnr += psnrOfChange(squaredDistance, d);
  }
  return { l2: l2 / n, psnr: psnr / n, alreadyAcross: across / n };
}

/** `count` samples of a generator through the 8-bit round trip (as stored), as one flat array. */
async function storedSamples(ctx: MetricContext, generatorIndex: number | 'root', count: number, label: string): Promise<Float32Array> {
  const generator = generatorIndex === 'root' ? ctx.root : ctx.generators[generatorIndex]!;
  const rng = ctx.rng.fork('leaked-key').fork(label);
  const d = imageSize(generator.imageShape);
  const out = new Float32Array(count * d);
  let offset = 0;
  for (const n of batchSizes(count, ctx.batchSize ?? DEFAULT_METRIC_BATCH)) {
    const values = tf.tidy(() => {
      const images = sample(generator, n, rng);
      return quantize8bit(images).dataSync() as Float32Array;
    });
    out.set(values, offset);
    offset += values.length;
  }
  return out;
}

/**
 * The white-box attack of a leaked key: per key phi, the least L2 change inside [-1, 1]^d that
 * moves a keyed sample's score above 0 (removal: the sample is no longer attributed to its
 * user) and an authentic image's (a root sample's) below 0 (framing: an image the user never made
 * is attributed to them), found exactly for each image ({@link leastBoxShift}). Images are
 * measured as stored, after the 8-bit round trip; a post-process in the context is not applied
 * (the attacker changes the final image). Summary: means over keys of each direction's mean L2
 * and PSNR; details: per key.
 */
export const leakedKey: Metric = {
  name: 'leaked-key',
  description: 'least L2 change (and its PSNR) that removes a keyed sample\'s attribution or frames an authentic image, per leaked key',
  async compute(ctx: MetricContext): Promise<MetricResult> {
    checkContext(ctx, 'leaked-key');
    const samples = ctx.samples ?? LEAKED_KEY_SAMPLES;
    const d = imageSize(ctx.root.imageShape);
    const total = ctx.keys.length + 1;
    const authentic = await storedSamples(ctx, 'root', samples, 'root');
    ctx.progress?.(1, total);
    const perKey: { key: string; removal: AttackCost; framing: AttackCost }[] = [];
    for (let i = 0; i < ctx.keys.length; i++) {
      const key = ctx.keys[i]!;
      const phi = key.vector.dataSync() as Float32Array;
      const keyed = await storedSamples(ctx, i, samples, `generator-${i}`);
      perKey.push({ key: key.id, removal: attackCost(keyed, d, phi, 1), framing: attackCost(authentic, d, phi, -1) });
      ctx.progress?.(i + 2, total);
    }
    const mean = (pick: (k: (typeof perKey)[number]) => number): number => perKey.reduce((a, k) => a + pick(k), 0) / perKey.length;
    return {
      summary: {
        removalL2: mean((k) => k.removal.l2),
        removalPsnr: mean((k) => k.removal.psnr),
        framingL2: mean((k) => k.framing.l2),
        framingPsnr: mean((k) => k.framing.psnr),
      },
      details: { perKey, samples, postProcess: null },
    };
  },
};
