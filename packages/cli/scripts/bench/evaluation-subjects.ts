import { createRng, LinearKey, mnistImageSource, type Generator, type MetricContext } from '@attrib/core';
import { DcganGenerator, resolveDcganConfig } from '@attrib/adapter-dcgan';
import { BENCH_SETTINGS } from './settings.js';

const MNIST32 = { height: 32, width: 32, channels: 1 };

/** The bench evaluation's models: a DCGAN-32 root, 5 copies of it as keyed generators, 5 random keys, MNIST. */
export async function evaluationSubjects(): Promise<{ context: (samples?: number) => MetricContext; dispose: () => void }> {
  const { generators: count, samples, batchSize } = BENCH_SETTINGS.steps.evaluate;
  const root = new DcganGenerator(resolveDcganConfig({ resolution: 32, channels: 1, nz: 100, ngf: 64 }));
  const data = await mnistImageSource.open({ shape: MNIST32 });
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
