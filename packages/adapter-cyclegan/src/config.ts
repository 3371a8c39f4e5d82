import type { ImageShape } from '@attrib/core';

/**
 * Architecture settings of a CycleGAN `ResnetGenerator` (junyanz/pytorch-CycleGAN-and-pix2pix,
 * `models/networks.py`, instance norm, no dropout, reflection padding). JSON-safe: stored in
 * checkpoints so `adapter.create(config)` rebuilds the same network.
 */
export interface CycleganConfig {
  /** Channels of the source-domain images (the reference's `input_nc`). */
  readonly inputChannels: number;
  /** Channels of the images it makes (`output_nc`). */
  readonly outputChannels: number;
  /** Feature maps of the first and last convolutions (`ngf`); the residual blocks run at 4 ngf. */
  readonly ngf: number;
  /** Residual blocks (`resnet_9blocks`: 9, `resnet_6blocks`: 6). */
  readonly blocks: number;
  /**
   * Image height and width. The network is fully convolutional; these fix the shape of its
   * inputs and outputs. Multiples of 4 (two stride-2 stages) and at least 8 (reflection padding
   * at the bottleneck needs two rows).
   */
  readonly height: number;
  readonly width: number;
  /** Seed of the random initial weights (the reference's N(0, 0.02) convolutions, zero biases). */
  readonly seed: number;
}

/** The released Cityscapes photo-to-label generator: RGB to RGB, ngf 64, 9 blocks, 256x256. */
export const CYCLEGAN_DEFAULTS: CycleganConfig = {
  inputChannels: 3,
  outputChannels: 3,
  ngf: 64,
  blocks: 9,
  height: 256,
  width: 256,
  seed: 0,
};

const KNOWN = Object.keys(CYCLEGAN_DEFAULTS) as (keyof CycleganConfig)[];

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`cyclegan: setting '${name}' must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function side(name: string, value: unknown): number {
  const n = positiveInteger(name, value);
  if (n % 4 !== 0 || n < 8) throw new Error(`cyclegan: setting '${name}' must be a multiple of 4 and at least 8, got ${n}`);
  return n;
}

/** Fills defaults in and validates; throws a one-line error naming the first bad setting. */
export function resolveCycleganConfig(config: Readonly<Record<string, unknown>> = {}): CycleganConfig {
  for (const name of Object.keys(config)) {
    if (!(KNOWN as string[]).includes(name)) throw new Error(`cyclegan: unknown setting '${name}' (known: ${KNOWN.join(', ')})`);
  }
  const merged = { ...CYCLEGAN_DEFAULTS, ...config } as Record<string, unknown>;
  const blocks = merged.blocks;
  if (typeof blocks !== 'number' || !Number.isInteger(blocks) || blocks < 0) {
    throw new Error(`cyclegan: setting 'blocks' must be a non-negative integer, got ${JSON.stringify(blocks)}`);
  }
  const seed = merged.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new Error(`cyclegan: setting 'seed' must be an integer, got ${JSON.stringify(seed)}`);
  return {
    inputChannels: positiveInteger('inputChannels', merged.inputChannels),
    outputChannels: positiveInteger('outputChannels', merged.outputChannels),
    ngf: positiveInteger('ngf', merged.ngf),
    blocks,
    height: side('height', merged.height),
    width: side('width', merged.width),
    seed,
  };
}

/** Shape of the source-domain images the generator maps from. */
export function inputShapeOf(config: CycleganConfig): ImageShape {
  return { height: config.height, width: config.width, channels: config.inputChannels };
}

/** Shape of the images it makes. */
export function outputShapeOf(config: CycleganConfig): ImageShape {
  return { height: config.height, width: config.width, channels: config.outputChannels };
}
