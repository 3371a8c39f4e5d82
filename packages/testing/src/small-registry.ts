import { join } from 'node:path';
import { SMALL_RUN_OPTIONS } from './small-run.js';
import type { PluginHost } from '@attrib/core';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from './run-fixture.js';
import { initRegistry, type InitRegistryRequest } from '@attrib/core';

/**
 * Options of a registry whose keys are trained enough to be orthogonal (|cos| < 0.02) while its
 * generators get only a few steps: for tests of the registry's bookkeeping, not of attribution.
 */
export const TINY_REGISTRY_OPTIONS = {
  first: TINY_OPTIONS.first,
  keys: { epochs: 2, stepsPerEpoch: 15, batchSize: 16, lrKey: 0.05 },
  generators: TINY_OPTIONS.generators,
} as const;

/**
 * For tests: a registry (test-dense root, 16x16 grey) with no users yet. Default options: the
 * small run's, whose keyed generators are told apart by identify.
 */
export async function writeSmallRegistry(options: InitRegistryRequest['options'] = SMALL_RUN_OPTIONS): Promise<{ host: PluginHost; fixture: RunFixture; registry: string }> {
  const host = await testHost();
  const fixture = await writeRunFixture(512);
  const registry = join(fixture.dir, 'registry');
  await initRegistry(host, {
    dir: registry, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 5,
    options,
  });
  return { host, fixture, registry };
}
