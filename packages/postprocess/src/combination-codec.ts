import * as tf from '@tensorflow/tfjs-core';
import type { Params, PostProcess, PostProcessContext, PostProcessFactory } from '@attrib/core';
import { BlurPostProcess, blurParams } from './blur.js';
import { applyChain, flatten, type SyncPart } from './combination.js';
import { CompositeParams } from './composite-params.js';
import { CropPostProcess, cropParams } from './crop.js';
import { jpegCodecParams, jpegRoundTrip, type JpegCodecParams } from './jpeg-codec.js';
import { NoisePostProcess, noiseParams } from './noise.js';

/**
 * Parameters of {@link combinationCodecFactory}: `blur.*`, `crop.*`, `noise.*` (std 0.1, training
 * range [0, 0.1]), `jpeg.quality` (75) and `jpeg.chromaSubsampling`, and `probability` (0.5).
 */
export const combinationCodecParams = new CompositeParams({
  blur: blurParams,
  crop: cropParams,
  noise: noiseParams.withDefaults({ std: 0.1, trainStdRange: [0, 0.1] }),
  jpeg: jpegCodecParams,
});

/**
 * The reference's "combination with a real codec": blur, crop and noise (all in evaluation,
 * each with `probability` in training), then a real JPEG encode and decode, always.
 */
export class CombinationCodecPostProcess implements PostProcess {
  readonly name = 'combination-codec';
  readonly differentiable = false;
  readonly params: Params;
  private readonly parts: readonly SyncPart[];
  private readonly probability: number;
  private readonly codec: JpegCodecParams;

  constructor(given?: Readonly<Record<string, unknown>>) {
    const { probability, parts } = combinationCodecParams.read('combination-codec', given);
    this.probability = probability;
    this.parts = [new BlurPostProcess(parts.blur), new CropPostProcess(parts.crop), new NoisePostProcess(parts.noise)];
    this.codec = parts.jpeg;
    this.params = { ...flatten(parts), probability };
  }

  async apply(images: tf.Tensor4D, ctx: PostProcessContext): Promise<tf.Tensor4D> {
    const degraded = applyChain(this.parts, images, ctx, this.probability);
    try {
      return await jpegRoundTrip(degraded, this.codec);
    } finally {
      degraded.dispose();
    }
  }
}

/** `combination-codec`: blur, crop, noise, then a real JPEG at quality 75. */
export const combinationCodecFactory: PostProcessFactory = {
  name: 'combination-codec',
  description: 'blur, crop, noise (std <= 0.1), then a real JPEG encode and decode at quality 75; not differentiable',
  defaults: combinationCodecParams.defaults,
  create: (params) => new CombinationCodecPostProcess(params),
};
