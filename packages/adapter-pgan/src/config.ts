/**
 * Architecture settings of a Progressive GAN generator, named as the GAN zoo's config names them
 * (`models/progressive_gan.py`, `models/base_GAN.py`). JSON-safe: stored in checkpoints so
 * `adapter.create(config)` rebuilds the same network.
 */
export interface PganConfig {
  /** Latent size (the zoo's `latentVectorDim`). */
  readonly dimLatent: number;
  /** Feature maps of the 4x4 scale. */
  readonly depthScale0: number;
  /** Feature maps of each further scale; each doubles the side: 4 * 2^length pixels. */
  readonly depthOtherScales: readonly number[];
  /** Image channels (3 RGB, 1 grey). */
  readonly dimOutput: number;
  /** Negative slope of the LeakyReLUs. */
  readonly leakyReluLeak: number;
  /** Pixel-wise feature normalisation of the latent and after every convolution. */
  readonly perChannelNormalization: boolean;
  /** Equalized learning rate: weights stored N(0, 1)-scaled and multiplied by He's constant at run time. */
  readonly equalizedlR: boolean;
  /**
   * Blending factor of the newest scale with the previous one, in [0, 1]: the output is
   * alpha * upsample(toRGB of the previous scale) + (1 - alpha) * toRGB of the last scale.
   */
  readonly alpha: number;
  /** Activation of the RGB output: `none` (the zoo's WGANGP and Logistic losses) or `tanh` (its DCGAN and MSE losses). */
  readonly generationActivation: 'none' | 'tanh';
  /** Seed of the random initial weights. */
  readonly seed: number;
}

/**
 * The zoo's released `celebaCropped` generator (128x128, latent 512, WGANGP loss): six scales of
 * 512, 512, 512, 512, 256 and 128 feature maps, per the zoo's default PGAN configuration.
 */
export const PGAN_DEFAULTS: PganConfig = {
  dimLatent: 512,
  depthScale0: 512,
  depthOtherScales: [512, 512, 512, 256, 128],
  dimOutput: 3,
  leakyReluLeak: 0.2,
  perChannelNormalization: true,
  equalizedlR: true,
  alpha: 0,
  generationActivation: 'none',
  seed: 0,
};

const KNOWN = Object.keys(PGAN_DEFAULTS) as (keyof PganConfig)[];

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`pgan: setting '${name}' must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`pgan: setting '${name}' must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** Fills defaults in and validates; throws a one-line error naming the first bad setting. */
export function resolvePganConfig(config: Readonly<Record<string, unknown>>): PganConfig {
  for (const name of Object.keys(config)) {
    if (!(KNOWN as string[]).includes(name)) throw new Error(`pgan: unknown setting '${name}' (known: ${KNOWN.join(', ')})`);
  }
  const merged = { ...PGAN_DEFAULTS, ...config } as Record<string, unknown>;
  const depths = merged.depthOtherScales;
  if (!Array.isArray(depths)) throw new Error(`pgan: setting 'depthOtherScales' must be a list of positive integers, got ${JSON.stringify(depths)}`);
  depths.forEach((d, i) => positiveInteger(`depthOtherScales[${i}]`, d));
  const leak = merged.leakyReluLeak;
  if (typeof leak !== 'number' || !Number.isFinite(leak) || leak < 0) {
    throw new Error(`pgan: setting 'leakyReluLeak' must be a non-negative number, got ${JSON.stringify(leak)}`);
  }
  const alpha = merged.alpha;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw new Error(`pgan: setting 'alpha' must be in [0, 1], got ${JSON.stringify(alpha)}`);
  if (alpha > 0 && depths.length === 0) throw new Error(`pgan: setting 'alpha' must be 0 with a single scale (nothing to blend with), got ${alpha}`);
  const activation = merged.generationActivation;
  if (activation !== 'none' && activation !== 'tanh') {
    throw new Error(`pgan: setting 'generationActivation' must be 'none' or 'tanh', got ${JSON.stringify(activation)}`);
  }
  const seed = merged.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new Error(`pgan: setting 'seed' must be an integer, got ${JSON.stringify(seed)}`);
  return {
    dimLatent: positiveInteger('dimLatent', merged.dimLatent),
    depthScale0: positiveInteger('depthScale0', merged.depthScale0),
    depthOtherScales: [...(depths as number[])],
    dimOutput: positiveInteger('dimOutput', merged.dimOutput),
    leakyReluLeak: leak,
    perChannelNormalization: boolean('perChannelNormalization', merged.perChannelNormalization),
    equalizedlR: boolean('equalizedlR', merged.equalizedlR),
    alpha,
    generationActivation: activation,
    seed,
  };
}

/** Image side: 4 pixels at scale 0, doubled by every further scale. */
export function pganImageSide(config: PganConfig): number {
  return 4 * 2 ** config.depthOtherScales.length;
}
