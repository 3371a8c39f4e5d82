import type { ImageSource } from '@attrib/core';
import { readTorchFile, stateDictTensors, stripDataParallelPrefix, generatorFromStateDict, type TorchTensor } from '@attrib/core';
import { CYCLEGAN_DEFAULTS, resolveCycleganConfig, type CycleganConfig } from './config.js';
import { CycleganGenerator } from './generator.js';

/** Options of {@link importCycleganReference}: the image size, which a state dict does not record. */
export interface CycleganImportOptions {
  readonly height?: number;
  readonly width?: number;
}

const IMPORT_OPTIONS = ['height', 'width'] as const;

/** Validates `importReference` options from the command line or a config file. */
export function parseCycleganImportOptions(options: Readonly<Record<string, unknown>> = {}): CycleganImportOptions {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(options)) {
    if (!(IMPORT_OPTIONS as readonly string[]).includes(name)) throw new Error(`cyclegan: unknown import option '${name}' (known: ${IMPORT_OPTIONS.join(', ')})`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new Error(`cyclegan: import option '${name}' must be a positive integer, got ${JSON.stringify(value)}`);
    }
    out[name] = value;
  }
  return out;
}

/**
 * Loads a generator file of junyanz/pytorch-CycleGAN-and-pix2pix (`latest_net_G_A.pth`, the
 * pretrained `*_pretrained/latest_net_G.pth`; a bare `ResnetGenerator` state dict, zip or legacy
 * format; a whole pickled module or a `module.`-prefixed DataParallel state dict are accepted
 * too) into a {@link CycleganGenerator}, in eval mode, unchanged. The architecture is read off the
 * tensor shapes; instance-norm running statistics of older files are dropped, as the official
 * loader does. The image size comes from `options`, else from `inputs`' shape, else 256x256.
 * Errors are one line naming the file and the entry.
 */
export async function importCycleganReference(
  file: string, inputs?: ImageSource, options: CycleganImportOptions = {},
): Promise<CycleganGenerator> {
  const root = await readTorchFile(file);
  let tensors: Map<string, TorchTensor>;
  try {
    tensors = stripDataParallelPrefix(stateDictTensors(root, file));
  } catch (error) {
    throw new Error(`${(error as Error).message} (a CycleGAN generator file holds its state dict, as latest_net_G_A.pth)`);
  }
  const config = inferCycleganConfig(tensors, file, imageSize(file, inputs, options));
  return generatorFromStateDict(file, tensors, () => new CycleganGenerator(config, inputs));
}

function imageSize(file: string, inputs: ImageSource | undefined, options: CycleganImportOptions): { height: number; width: number } {
  const height = options.height ?? inputs?.shape.height ?? CYCLEGAN_DEFAULTS.height;
  const width = options.width ?? inputs?.shape.width ?? CYCLEGAN_DEFAULTS.width;
  if (inputs && (height !== inputs.shape.height || width !== inputs.shape.width)) {
    throw new Error(`${file}: import size ${height}x${width} differs from the input images ${inputs.description} (${inputs.shape.height}x${inputs.shape.width})`);
  }
  return { height, width };
}

/**
 * The architecture of a ResnetGenerator state dict, read off its tensor shapes: `ngf` and the
 * input channels from `model.1.weight` [ngf, in, 7, 7], the blocks by counting
 * `model.{10+i}.conv_block.1.weight`, the output channels from the last convolution.
 */
export function inferCycleganConfig(
  tensors: ReadonlyMap<string, TorchTensor>, source: string, size: { height: number; width: number },
): CycleganConfig {
  const stem = tensors.get('model.1.weight');
  if (!stem) {
    const names = [...tensors.keys()];
    const shown = names.slice(0, 4).join(', ') + (names.length > 4 ? ', ...' : '');
    throw new Error(`${source}: no tensor model.1.weight; not a CycleGAN ResnetGenerator state dict (entries: ${shown || 'none'})`);
  }
  if (stem.shape.length !== 4 || stem.shape[2] !== 7 || stem.shape[3] !== 7) {
    throw new Error(`${source}: model.1.weight has shape [${stem.shape.join(', ')}]; a ResnetGenerator's first convolution is [ngf, in, 7, 7]`);
  }
  let blocks = 0;
  while (tensors.has(`model.${10 + blocks}.conv_block.1.weight`)) blocks++;
  const head = tensors.get(`model.${17 + blocks}.weight`);
  if (!head || head.shape.length !== 4) {
    throw new Error(`${source}: no 4-D tensor model.${17 + blocks}.weight (the last convolution of a ResnetGenerator with ${blocks} blocks)`);
  }
  try {
    return resolveCycleganConfig({
      inputChannels: stem.shape[1], outputChannels: head.shape[0], ngf: stem.shape[0], blocks, ...size,
    });
  } catch (error) {
    throw new Error(`${source}: ${(error as Error).message}`);
  }
}
