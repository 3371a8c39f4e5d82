import { createRng, LinearKey, type Generator, type MetricContext } from '@attrib/core';
import { dataFor, dcgan, MNIST32 } from './models.js';
import { BENCH_SETTINGS } from './settings.js';

/** The bench evaluation's models: a DCGAN-32 root, 5 copies of it as keyed generators, 5 random keys, MNIST. */
export async function evaluationSubjects(): Promise<{ context: (samples?: number) => MetricContext; dispose: () => void }> {
  const { generators: count, samples, batchSize } = BENCH_SETTINGS.steps.evaluate;
  const root = dcgan(MNIST32);
  const data = await dataFor(MNIST32);
  const generators: Generator[] = Array.from({ length: count }, () => root.clone());
  const keys = Array.from({ length: count }, (_, i) => LinearKey.random(`key-${i + 1}`, MNIST32, createRng(10 + i)));
  return {
    context: (n = samples) => ({ root, generators, keys, data, rng: createRng(5), samples: n, batchSize }),
    dispose: () => {
      root.dispose();
      for (const g of generators) g.dispose();
      for (const k of keys) k.dispose();
    },
  };
}
