import type { DcganConfig } from './config.js';
import type { ConvGeometry } from './layers/conv.js';

/** One transposed-convolution layer of the generator, with the batch norm that follows it (if any). */
export interface GeneratorLayerPlan extends ConvGeometry {
  /** State-dict name of the convolution (`convT1`, ...). */
  readonly conv: string;
  /** State-dict name of the batch norm after it; absent on the last layer, which ends in Tanh. */
  readonly batchNorm?: string;
}

/**
 * The reference release's generator layouts (`my_models/DCGAN_theory.py`, `DCGAN.py`,
 * `DCGAN_128_resoulution.py`): from a 1x1 latent, ConvT(k4 s1 p0) to 4x4, then ConvT(k4 s2 p1)
 * doubling the side, widths halving down to ngf, then ConvT to the image channels and Tanh.
 * - 32: nz -> 4ngf -> 2ngf -> ngf -> nc; the reference commented out its fourth block, so the
 *   layers are named convT1, convT2, convT3, convT5 and batch1..batch3.
 * - 64: nz -> 8ngf -> 4ngf -> 2ngf -> ngf -> nc; convT1..convT5, batch1..batch4.
 * - 128: nz -> 16ngf -> 8ngf -> 4ngf -> 2ngf -> ngf -> nc; convT1..convT6, batch1..batch5.
 */
export function generatorPlan(config: DcganConfig): GeneratorLayerPlan[] {
  const { resolution, nz, ngf, channels } = config;
  const hidden = resolution === 32 ? [4, 2, 1] : resolution === 64 ? [8, 4, 2, 1] : [16, 8, 4, 2, 1];
  const widths = [nz, ...hidden.map((m) => m * ngf), channels];
  const lastName = resolution === 128 ? 'convT6' : 'convT5';
  const layers: GeneratorLayerPlan[] = [];
  for (let i = 0; i < widths.length - 1; i++) {
    const last = i === widths.length - 2;
    layers.push({
      conv: last ? lastName : `convT${i + 1}`,
      ...(last ? {} : { batchNorm: `batch${i + 1}` }),
      inChannels: widths[i]!,
      outChannels: widths[i + 1]!,
      kernel: 4,
      stride: i === 0 ? 1 : 2,
      padding: i === 0 ? 0 : 1,
    });
  }
  return layers;
}

/** One convolution layer of the discriminator, with the batch norm that follows it (if any). */
export interface DiscriminatorLayerPlan extends ConvGeometry {
  readonly conv: string;
  readonly batchNorm?: string;
}

/**
 * The standard DCGAN discriminator mirrored to the generator: Conv(k4 s2 p1) halving the side with
 * widths ndf, 2ndf, ... (LeakyReLU 0.2; batch norm on all but the first), down to 4x4, then
 * Conv(k4 s1 p0) to one logit. ndf = ngf. The reference release ships no discriminator; this one
 * only serves to train a root model.
 */
export function discriminatorPlan(config: DcganConfig): DiscriminatorLayerPlan[] {
  const { resolution, ngf, channels } = config;
  const multipliers = resolution === 32 ? [1, 2, 4] : resolution === 64 ? [1, 2, 4, 8] : [1, 2, 4, 8, 16];
  const widths = [channels, ...multipliers.map((m) => m * ngf), 1];
  const layers: DiscriminatorLayerPlan[] = [];
  for (let i = 0; i < widths.length - 1; i++) {
    const last = i === widths.length - 2;
    layers.push({
      conv: `conv${i + 1}`,
      ...(i === 0 || last ? {} : { batchNorm: `batch${i + 1}` }),
      inChannels: widths[i]!,
      outChannels: widths[i + 1]!,
      kernel: 4,
      stride: last ? 1 : 2,
      padding: last ? 0 : 1,
    });
  }
  return layers;
}
