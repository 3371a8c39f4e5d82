import { join } from 'node:path';
import { addKeys, initRun, trainGenerators } from '@attrib/core';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '../run-fixture.js';

/** A run of core's test-dense generator over a fresh fixture: key 1 and `keys` more, with their keyed generators if asked. */
export async function writeTinyRun(options: { seed: number; keys: number; generators: boolean }): Promise<{ fixture: RunFixture; run: string }> {
  const fixture = await writeRunFixture(128);
  const run = join(fixture.dir, 'run');
  const host = await testHost();
  await initRun(host, { dir: run, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: options.seed, options: TINY_OPTIONS.first });
  await addKeys(host, { dir: run, count: options.keys, options: TINY_OPTIONS.keys });
  if (options.generators) await trainGenerators(host, { dir: run, options: TINY_OPTIONS.generators, workers: 1 });
  return { fixture, run };
}
