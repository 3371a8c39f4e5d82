import type { AdapterProfile } from '@attrib/core';

const GENERATOR = { lr: 5e-4, beta1: 0, alpha: 100, batchSize: 16, epochs: 5 } as const;

/**
 * The release's PGAN settings, CelebA cropped 128x128 (method.md "Settings of the release
 * scripts"), for the root imported from the GAN zoo's `celebaCropped` checkpoint:
 * - first key and generator, and a generator per key: lr 5e-4, beta1 0.0, alpha 100, batch 16,
 *   5 epochs (the first key's lr_K 1e-3);
 * - more keys: lr_K 1e-3, batch 32, 10 epochs, the side experiment's angle term
 *   20 * |0.7 - cos(phi_j, phi)|.
 * Everything else is the engine's default, which is the release's.
 */
export const pganPaperProfile: AdapterProfile = {
  description: "the release's PGAN settings, CelebA cropped: alpha 100, beta1 0.0, batch 16, 5 epochs; keys batch 32, 10 epochs, cosine target 0.7",
  stages: {
    first: { ...GENERATOR, lrKey: 1e-3 },
    keys: { lrKey: 1e-3, batchSize: 32, epochs: 10, angleTerm: 'cosine', cosineTarget: 0.7, cosineWeight: 20 },
    generators: { ...GENERATOR },
  },
};
