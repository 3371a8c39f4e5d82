import type { Generator, GeneratorAdapter } from '@attrib/core';
import { loadGenerator } from '@attrib/core';
import { DCGAN_DEFAULTS, resolveDcganConfig } from './config.js';
import { dcganModelArtifacts } from './export-model.js';
import { DcganGenerator } from './generator.js';
import { findPretrained, PRETRAINED_DCGANS } from './pretrained.js';
import { importDcganReference } from './reference-import.js';
import { trainDcganRoot } from './root-training/trainer.js';

/** Loads a generator the adapter ships (`mnist32`, the default root) in eval mode. */
export async function loadPretrainedDcgan(name: string = PRETRAINED_DCGANS[0]!.name): Promise<Generator> {
  const { file } = findPretrained(name);
  const { generator } = await loadGenerator(file, (adapterName) => {
    if (adapterName !== dcganAdapter.name) throw new Error(`${file}: holds a '${adapterName}' generator, not a dcgan one`);
    return dcganAdapter;
  });
  generator.setMode('eval');
  return generator;
}

/**
 * The DCGAN adapter: the reference release's generators at 32x32 (theory variant), 64x64 and
 * 128x128, with 1 or 3 channels. Config keys: `resolution` (32 | 64 | 128, default 32),
 * `channels` (1 | 3, default 1), `nz` (100), `ngf` (64), `seed` (0, of the initial weights).
 * Ships `mnist32` as its default root ({@link loadPretrainedDcgan}) and trains new roots
 * ({@link trainDcganRoot}); exports generators as standalone TensorFlow.js layers models
 * ({@link dcganModelArtifacts}, batch norm folded in eval form).
 */
export const dcganAdapter: GeneratorAdapter = {
  name: 'dcgan',
  description: 'DCGAN generators of the reference release (32x32, 64x64, 128x128; 1 or 3 channels)',
  inputKind: 'latent',
  defaults: { ...DCGAN_DEFAULTS },
  create(config) {
    return new DcganGenerator(resolveDcganConfig(config));
  },
  importReference(file, _ctx, options = {}) {
    const unknown = Object.keys(options)[0];
    if (unknown !== undefined) return Promise.reject(new Error(`dcgan: unknown import option '${unknown}' (the dcgan reader takes none)`));
    return importDcganReference(file);
  },
  pretrained: PRETRAINED_DCGANS.map(({ name, description, data, imageShape }) => ({ name, description, data, imageShape })),
  loadPretrained: (name) => loadPretrainedDcgan(name),
  trainRoot: (options) => trainDcganRoot(options),
  exportModel: (generator) => dcganModelArtifacts(generator),
  // The engine's defaults are the release's DCGAN-MNIST settings, so its paper profile is empty.
  profiles: { paper: { description: "the release's DCGAN-MNIST settings (the engine's defaults)", stages: {} } },
};
