import { join } from 'node:path';
import { addKeys } from '@attrib/core';
import { initRun } from '@attrib/core';
import { trainGenerators } from '@attrib/core';
import type { PluginHost } from '@attrib/core';
import { testHost, writeRunFixture, type RunFixture } from './run-fixture.js';

/** Stage options of the small test run: enough steps for its 3 keyed generators to be told apart. */
export const SMALL_RUN_OPTIONS = {
  first: { epochs: 4, stepsPerEpoch: 40, lrKey: 0.02, lr: 0.005, checkSamples: 100 },
  keys: { epochs: 4, stepsPerEpoch: 40, batchSize: 32, lrKey: 0.03 },
  generators: { epochs: 4, stepsPerEpoch: 40, lr: 0.005, checkSamples: 100 },
} as const;

/** For tests: a run folder (test-dense root, 16x16 grey) with 3 keys and 3 keyed generators. */
export async function writeSmallRun(): Promise<{ host: PluginHost; fixture: RunFixture; run: string }> {
  const host = await testHost();
  const fixture = await writeRunFixture(512);
  const run = join(fixture.dir, 'run');
  await initRun(host, { dir: run, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 5, options: SMALL_RUN_OPTIONS.first });
  await addKeys(host, { dir: run, count: 2, options: SMALL_RUN_OPTIONS.keys });
  await trainGenerators(host, { dir: run, options: SMALL_RUN_OPTIONS.generators });
  return { host, fixture, run };
}
