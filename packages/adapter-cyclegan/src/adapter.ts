import type { AdapterContext, GeneratorAdapter } from '@attrib/core';
import { CYCLEGAN_DEFAULTS, resolveCycleganConfig } from './config.js';
import { CycleganGenerator } from './generator.js';
import { cycleganPaperProfile } from './profile.js';
import { importCycleganReference, parseCycleganImportOptions } from './reference.js';

/**
 * Settings for `create`: `config` over the defaults, with `height`, `width` and `inputChannels`
 * taken from the input images (`ctx.inputs`) where `config` leaves them out.
 */
function configWithInputs(config: Readonly<Record<string, unknown>>, ctx?: AdapterContext): Record<string, unknown> {
  const shape = ctx?.inputs?.shape;
  if (!shape) return { ...config };
  return { height: shape.height, width: shape.width, inputChannels: shape.channels, ...config };
}

/**
 * The CycleGAN adapter (`--adapter cyclegan`): junyanz/pytorch-CycleGAN-and-pix2pix's
 * `ResnetGenerator`, an image-to-image generator whose inputs are source-domain images drawn from
 * `ctx.inputs` (split A of an `unaligned` data set). Config keys: see {@link CycleganConfig}; the
 * defaults are the released Cityscapes photo-to-label generator (ngf 64, 9 blocks, 256x256).
 * `importReference(file, ctx, { height, width })` loads an official generator file unchanged.
 */
export const cycleganAdapter: GeneratorAdapter = {
  name: 'cyclegan',
  description: 'ResnetGenerator of junyanz/pytorch-CycleGAN-and-pix2pix (image to image; loads its latest_net_G_A.pth files; default ngf 64, 9 blocks, 256x256)',
  inputKind: 'image',
  defaults: { ...CYCLEGAN_DEFAULTS },
  create(config, ctx) {
    return new CycleganGenerator(resolveCycleganConfig(configWithInputs(config, ctx)), ctx?.inputs);
  },
  async importReference(file, ctx, options) {
    return importCycleganReference(file, ctx?.inputs, parseCycleganImportOptions(options));
  },
  profiles: { paper: { description: cycleganPaperProfile.description, stages: cycleganPaperProfile.stages } },
};
