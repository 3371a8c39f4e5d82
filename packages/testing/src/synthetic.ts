import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '@attrib/core';
import { createRng } from '@attrib/core';
import { DenseGenerator, type DenseGeneratorConfig } from './dense-generator.js';
import { MemoryImageSource } from './memory-source.js';

/** A root generator and real data it imitates perfectly: the data are the root's own samples. */
export interface SyntheticSetup {
  readonly root: Generator;
  readonly data: MemoryImageSource;
  dispose(): void;
}

/** The architecture the engine tests use: 16x16 grey images with a clear mean, batch norm on. */
export const SYNTHETIC_CONFIG: Partial<DenseGeneratorConfig> = {
  latent: 4, height: 16, width: 16, channels: 1, batchNorm: true, seed: 7, weightScale: 0.2, biasScale: 1,
};

/**
 * Builds a {@link DenseGenerator} root (frozen, `eval` mode, settled batch-norm statistics) and
 * `size` real images drawn from it with another seed, so the root fits the data as a trained GAN
 * would.
 */
export function syntheticSetup(size = 512, config: Partial<DenseGeneratorConfig> = SYNTHETIC_CONFIG, seed = 99): SyntheticSetup {
  const root = new DenseGenerator(config);
  // Settle the batch-norm running statistics on the population statistics, as training a GAN
  // does, so that `eval` and `train` mode make the same distribution.
  const warmup = createRng(seed + 1);
  root.setMode('train');
  for (let i = 0; i < 60; i++) tf.tidy(() => root.generate(root.sampleInputs(256, warmup)));
  root.setMode('eval');
  root.freeze();
  const images = tf.tidy(() => root.generate(root.sampleInputs(size, createRng(seed))));
  const data = new MemoryImageSource(root.imageShape, images, 'synthetic');
  images.dispose();
  return {
    root,
    data,
    dispose() {
      root.dispose();
      data.dispose();
    },
  };
}
