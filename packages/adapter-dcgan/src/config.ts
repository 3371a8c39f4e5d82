/** Image sides the reference release has DCGAN generators for. */
export const DCGAN_RESOLUTIONS = [32, 64, 128] as const;
export type DcganResolution = (typeof DCGAN_RESOLUTIONS)[number];

/**
 * Architecture settings of a DCGAN generator (and of its discriminator). JSON-safe: stored in
 * checkpoints so `adapter.create(config)` rebuilds the same network.
 */
export interface DcganConfig {
  /** Output side: 32 (the reference's "theory" variant), 64 (its default) or 128. */
  readonly resolution: DcganResolution;
  /** Image channels: 1 (MNIST) or 3 (CelebA). */
  readonly channels: 1 | 3;
  /** Latent size. */
  readonly nz: number;
  /** Generator width: the last hidden layer has ngf feature maps. */
  readonly ngf: number;
  /** Seed of the random initial weights (the standard DCGAN init, N(0, 0.02)). */
  readonly seed: number;
}

/** The reference's settings: nz 100, ngf 64; 32x32 grey images (MNIST) by default here. */
export const DCGAN_DEFAULTS: DcganConfig = { resolution: 32, channels: 1, nz: 100, ngf: 64, seed: 0 };

const KNOWN = Object.keys(DCGAN_DEFAULTS) as (keyof DcganConfig)[];

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`dcgan: setting '${name}' must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Fills defaults in and validates; throws a one-line error naming the first bad setting. */
export function resolveDcganConfig(config: Readonly<Record<string, unknown>>): DcganConfig {
  for (const name of Object.keys(config)) {
    if (!(KNOWN as string[]).includes(name)) {
      throw new Error(`dcgan: unknown setting '${name}' (known: ${KNOWN.join(', ')})`);
    }
  }
  const merged = { ...DCGAN_DEFAULTS, ...config } as Record<string, unknown>;
  const resolution = merged.resolution;
  if (!(DCGAN_RESOLUTIONS as readonly unknown[]).includes(resolution)) {
    throw new Error(`dcgan: setting 'resolution' must be one of ${DCGAN_RESOLUTIONS.join(', ')}, got ${JSON.stringify(resolution)}`);
  }
  const channels = merged.channels;
  if (channels !== 1 && channels !== 3) {
    throw new Error(`dcgan: setting 'channels' must be 1 or 3, got ${JSON.stringify(channels)}`);
  }
  const seed = merged.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new Error(`dcgan: setting 'seed' must be an integer, got ${JSON.stringify(seed)}`);
  }
  return {
    resolution: resolution as DcganResolution,
    channels,
    nz: positiveInteger('nz', merged.nz),
    ngf: positiveInteger('ngf', merged.ngf),
    seed,
  };
}
