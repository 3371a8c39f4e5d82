import type { GeneratorAdapter } from '@attrib/core';
import { PGAN_DEFAULTS, resolvePganConfig } from './config.js';
import { PganGenerator } from './generator.js';
import { pganPaperProfile } from './profile.js';
import { importPganReference, parsePganImportOptions } from './reference.js';

/**
 * The Progressive GAN adapter (`--adapter pgan`): facebookresearch/pytorch_GAN_zoo's generator.
 * Config keys: see {@link PganConfig}; the defaults are the released `celebaCropped` 128x128
 * model's architecture. `importReference(file, ctx, { weights: 'netG' | 'avgG' })` loads a zoo
 * checkpoint unchanged (netG by default, as the reference release generates with it).
 */
export const pganAdapter: GeneratorAdapter = {
  name: 'pgan',
  description: "Progressive GAN generator of facebookresearch/pytorch_GAN_zoo (loads its released .pth checkpoints; default 128x128, latent 512)",
  inputKind: 'latent',
  defaults: { ...PGAN_DEFAULTS, depthOtherScales: [...PGAN_DEFAULTS.depthOtherScales] },
  create(config) {
    return new PganGenerator(resolvePganConfig(config));
  },
  async importReference(file, _ctx, options) {
    return importPganReference(file, parsePganImportOptions(options));
  },
  profiles: { paper: pganPaperProfile },
};
