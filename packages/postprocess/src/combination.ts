import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessContext, PostProcessFactory } from '@attrib/core';
import { BlurPostProcess, blurParams } from './blur.js';
import { CompositeParams } from './composite-params.js';
import { CropPostProcess, cropParams } from './crop.js';
import { JpegPostProcess, jpegParams } from './jpeg.js';
import { NoisePostProcess, noiseParams } from './noise.js';

/** A part of a chain that returns synchronously (every differentiable post-process does). */
export interface SyncPart {
  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D;
}

/**
 * Applies `parts` in order: all of them in evaluation; in training each one with probability
 * `probability` (one uniform draw per part and call, as the reference).
 */
export function applyChain(
  parts: readonly SyncPart[],
  images: tf.Tensor4D,
  ctx: PostProcessContext,
  probability: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    let current = images;
    for (const part of parts) {
      if (ctx.mode === 'train' && !(ctx.rng.uniform() < probability)) continue;
      current = part.apply(current, ctx);
    }
    // A chain that skipped every part still returns a tensor of its own (the caller disposes it).
    return current === images ? tf.clone(images) : current;
  });
}

/**
 * Parameters of {@link combinationFactory}: each part's own, prefixed (`blur.sigma`,
 * `crop.ratio`, `noise.std`, `jpeg.coefficients`, ...), and `probability` (0.5). The noise part
 * defaults to std 0.1 and a training range [0, 0.1], as the reference's combination.
 */
export const combinationParams = new CompositeParams({
  blur: blurParams,
  crop: cropParams,
  noise: noiseParams.withDefaults({ std: 0.1, trainStdRange: [0, 0.1] }),
  jpeg: jpegParams,
});

export class CombinationPostProcess implements PostProcess {
  readonly name = 'combination';
  readonly differentiable = true;
  readonly params: Params;
  private readonly parts: readonly (SyncPart & Required<Pick<PostProcess, 'linearPart'>>)[];
  private readonly probability: number;

  constructor(given?: Readonly<Record<string, unknown>>) {
    const { probability, parts } = combinationParams.read('combination', given);
    this.probability = probability;
    this.parts = [
      new BlurPostProcess(parts.blur),
      new CropPostProcess(parts.crop),
      new NoisePostProcess(parts.noise),
      new JpegPostProcess(parts.jpeg),
    ];
    this.params = { ...combinationParams.defaults, ...flatten(parts), probability };
  }

  apply(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    return applyChain(this.parts, images, ctx, this.probability);
  }

  /** The chain of the parts' linear parts (the noise one the identity), with the same draws. */
  linearPart(images: tf.Tensor4D, ctx: PostProcessContext): tf.Tensor4D {
    return applyChain(this.parts.map((p) => ({ apply: (x, c) => p.linearPart(x, c) })), images, ctx, this.probability);
  }
}

/** `{ blur: { sigma: 3 } }` -> `{ 'blur.sigma': 3 }`. */
export function flatten(parts: Record<string, Params>): Params {
  const out: Record<string, Params[string]> = {};
  for (const [part, values] of Object.entries(parts)) {
    for (const [name, value] of Object.entries(values)) out[`${part}.${name}`] = value;
  }
  return out;
}

/** `combination`: blur, crop, noise and the JPEG approximation in that order. */
export const combinationFactory: PostProcessFactory = {
  name: 'combination',
  description: 'blur, crop, noise (std <= 0.1), JPEG approximation in order; training applies each with probability 0.5',
  defaults: combinationParams.defaults,
  create: (params) => new CombinationPostProcess(params),
};
