import { cp } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { addKeys } from '@attrib/core';
import { initRun } from '@attrib/core';
import { trainGenerators } from '@attrib/core';
import type { PluginHost } from '@attrib/core';
import { TINY_OPTIONS, type RunFixture } from './run-fixture.js';

/**
 * A run of the test-dense root in `fixture.dir/name` with tiny stages: key-1 and its generator
 * (stage first), keys key-2 and key-3, and with `generators` their keyed generators too.
 */
export async function writeThreeKeyRun(
  host: PluginHost, fixture: RunFixture, name: string, seed: number, { generators = false } = {},
): Promise<string> {
  const dir = join(fixture.dir, name);
  await initRun(host, {
    dir, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed,
    options: TINY_OPTIONS.first,
  });
  await addKeys(host, { dir, count: 2, options: TINY_OPTIONS.keys });
  if (generators) await trainGenerators(host, { dir, options: TINY_OPTIONS.generators, workers: 1 });
  return dir;
}

/** A copy of run folder `dir` beside it, named `name`. */
export async function copyRun(dir: string, name: string): Promise<string> {
  const copy = join(dirname(dir), name);
  await cp(dir, copy, { recursive: true });
  return copy;
}
