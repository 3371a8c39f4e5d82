import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addKeys, initRun, trainGenerators } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { runCommand } from '@attrib/testing/cli/run-command';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import Study from './study.js';

let fixture: RunFixture;
let base: string;
let plugins: string;

beforeAll(async () => {
  await useBackend('cpu');
  fixture = await writeRunFixture(64);
  const host = await testHost();
  base = join(fixture.dir, 'base');
  await initRun(host, { dir: base, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 5, options: TINY_OPTIONS.first });
  await addKeys(host, { dir: base, count: 1, options: TINY_OPTIONS.keys });
  await trainGenerators(host, { dir: base, options: TINY_OPTIONS.generators, workers: 1 });
  // Beside the test doubles, a plugin that, loaded in a worker thread, ends that thread.
  plugins = writeTestDoublesFolder();
  const stops = join(plugins, 'attrib-plugin-stops-workers');
  mkdirSync(stops);
  writeFileSync(join(stops, 'package.json'), JSON.stringify({ name: 'attrib-plugin-stops-workers', version: '0.0.1', type: 'module', attrib: { plugin: './plugin.js' } }));
  writeFileSync(join(stops, 'plugin.js'), "import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) process.exit(3);\nexport default { register() {} };\n");
});

describe('attrib study --workers', () => {
  it("passes the worker count to the cells' robust training", async () => {
    const out = join(fixture.dir, 'study');
    const outcome = await runCommand(Study, [
      '--base', base, '--postprocess', 'test-contrast', '--robust', 'true', '--workers', '2', '--out', out,
      '--backend', 'cpu', '--plugins-dir', plugins,
    ]);
    expect(outcome.error?.message).toMatch(/^generator of key-[12] robust to test-contrast failed: its worker thread stopped \(exit code 3\)$/);
  });

  it('a worker count below 1 is refused', async () => {
    const outcome = await runCommand(Study, ['--base', base, '--postprocess', 'none', '--workers', '0', '--out', join(fixture.dir, 'refused'), '--backend', 'cpu', '--plugins-dir', plugins]);
    expect(outcome.error?.message).toMatch(/Expected an integer greater than or equal to 1/);
  });
});
