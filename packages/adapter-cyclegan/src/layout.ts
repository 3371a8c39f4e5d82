import type { CycleganConfig } from './config.js';

/**
 * One convolution of the ResnetGenerator, named as in the reference's `nn.Sequential` (`model.N`,
 * or `model.N.conv_block.M` inside a residual block). Every convolution has a bias: with instance
 * norm the reference sets `use_bias`, and its last convolution always has one.
 */
export interface ConvSpec {
  /** State-dict prefix; the parameters are `<prefix>.weight` and `<prefix>.bias`. */
  readonly prefix: string;
  /** `conv`: nn.Conv2d, weight [out, in, k, k]. `transposed`: nn.ConvTranspose2d, weight [in, out, k, k]. */
  readonly kind: 'conv' | 'transposed';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
}

/** The convolutions of a generator, by role, in forward order. */
export interface ResnetLayout {
  /** 7x7 after reflection padding 3: inputChannels to ngf (`model.1`). */
  readonly stem: ConvSpec;
  /** Two 3x3 stride-2 convolutions with zero padding 1: ngf to 2 ngf to 4 ngf (`model.4`, `model.7`). */
  readonly down: readonly [ConvSpec, ConvSpec];
  /** Per residual block, its two 3x3 convolutions after reflection padding 1 (`model.{10+i}.conv_block.1` and `.5`). */
  readonly blocks: readonly (readonly [ConvSpec, ConvSpec])[];
  /** Two transposed 3x3 convolutions, stride 2, padding 1, output padding 1: 4 ngf to 2 ngf to ngf. */
  readonly up: readonly [ConvSpec, ConvSpec];
  /** 7x7 after reflection padding 3: ngf to outputChannels, then tanh. */
  readonly head: ConvSpec;
  /** Positions of the InstanceNorm2d modules (`model.2`, `model.10.conv_block.2`, ...), which hold no weights. */
  readonly norms: readonly string[];
}

/**
 * The module indices of the reference's `ResnetGenerator` for `blocks` residual blocks:
 * 0 pad, 1 conv, 2 norm, 3 relu, then (conv, norm, relu) twice from 4, the blocks from 10
 * (inside each: 0 pad, 1 conv, 2 norm, 3 relu, 4 pad, 5 conv, 6 norm), then (transposed conv,
 * norm, relu) twice from 10 + blocks, then pad, conv, tanh.
 */
export function resnetLayout(config: CycleganConfig): ResnetLayout {
  const { ngf, blocks, inputChannels, outputChannels } = config;
  const conv = (index: number | string, inChannels: number, outChannels: number, kernel: number, kind: ConvSpec['kind'] = 'conv'): ConvSpec =>
    ({ prefix: `model.${index}`, kind, inChannels, outChannels, kernel });
  const width = 4 * ngf;
  const afterBlocks = 10 + blocks;
  return {
    stem: conv(1, inputChannels, ngf, 7),
    down: [conv(4, ngf, 2 * ngf, 3), conv(7, 2 * ngf, width, 3)],
    blocks: Array.from({ length: blocks }, (_, i) => [
      conv(`${10 + i}.conv_block.1`, width, width, 3),
      conv(`${10 + i}.conv_block.5`, width, width, 3),
    ] as const),
    up: [conv(afterBlocks, width, 2 * ngf, 3, 'transposed'), conv(afterBlocks + 3, 2 * ngf, ngf, 3, 'transposed')],
    head: conv(afterBlocks + 7, ngf, outputChannels, 7),
    norms: [
      'model.2', 'model.5', 'model.8',
      ...Array.from({ length: blocks }, (_, i) => [`model.${10 + i}.conv_block.2`, `model.${10 + i}.conv_block.6`]).flat(),
      `model.${afterBlocks + 1}`, `model.${afterBlocks + 4}`,
    ],
  };
}

/** Every convolution of a layout, in the order of the reference's `state_dict()`. */
export function convolutions(layout: ResnetLayout): ConvSpec[] {
  return [layout.stem, ...layout.down, ...layout.blocks.flat(), ...layout.up, layout.head];
}

/** Reference weight shape of a convolution: [out, in, k, k] for Conv2d, [in, out, k, k] for ConvTranspose2d. */
export function torchWeightShape(spec: ConvSpec): number[] {
  const { inChannels, outChannels, kernel } = spec;
  return spec.kind === 'conv' ? [outChannels, inChannels, kernel, kernel] : [inChannels, outChannels, kernel, kernel];
}

const RUNNING_STAT = /^(.*)\.(running_mean|running_var|num_batches_tracked)$/;

/**
 * Whether `name` is a running-statistics entry of one of the layout's instance norms, as older
 * official checkpoints carry (their InstanceNorm2d tracked running statistics). The official
 * loader (`BaseModel.__patch_instance_norm_state_dict`) drops those; so do we.
 */
export function isLegacyNormEntry(layout: ResnetLayout, name: string): boolean {
  const match = RUNNING_STAT.exec(name);
  return match !== null && layout.norms.includes(match[1]!);
}
