import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '@attrib/testing/cli/run-command';
import { writeThirdPartyPlugin } from '@attrib/testing/cli/third-party-plugin';
import Components, { type ComponentsResult } from './components.js';

describe('attrib components', () => {
  let tmp: string;
  let good: string;
  let bad: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'attrib-plugins-'));
    good = join(tmp, 'good');
    bad = join(tmp, 'bad');
    writeThirdPartyPlugin(good);
    mkdirSync(bad);
    writeFileSync(join(bad, 'broken.mjs'), "throw new Error('needs libfoo.so');\n");
    writeFileSync(join(bad, 'fine.mjs'), "export default { register(r) { r.metric({ name: 'always-one', description: 'One.', compute: async () => ({ summary: { value: 1 } }) }); } };\n");
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('--json prints parseable JSON with the third-party plugin; a broken plugin is a warning on stderr and the rest load', async () => {
    const run = await runCommand<ComponentsResult>(Components, ['--json', '--plugins-dir', good, '--plugins-dir', bad]);
    expect(run.error).toBeUndefined();
    const json = JSON.parse(run.stdout) as ComponentsResult;
    expect(json.contributions).toContainEqual({
      kind: 'post-process', name: 'invert', package: 'attrib-plugin-invert', version: '1.4.2',
      description: 'Negates every value: byte b becomes 255 - b.',
    });
    expect(json.contributions).toContainEqual(expect.objectContaining({ kind: 'metric', name: 'always-one', package: 'fine.mjs', version: null }));
    expect(json.plugins).toContainEqual({ name: 'attrib-plugin-invert', version: '1.4.2', source: 'folder', location: join(good, 'attrib-plugin-invert') });
    // Our own packages are plugins found the same way.
    expect(json.plugins.map((p) => p.name)).toContain('@attrib/core');
    expect(json.plugins.find((p) => p.name === '@attrib/core')?.source).toBe('workspace');

    const warnings = run.stderr.split('\n').filter(Boolean);
    expect(warnings).toEqual([`Warning: plugin broken.mjs (${join(bad, 'broken.mjs')}) failed to load: needs libfoo.so`]);
    expect(json.warnings).toEqual([warnings[0]!.replace(/^Warning: /, '')]);
  });

  it('prints a table of kind, name, package and version', async () => {
    const run = await runCommand(Components, ['--plugins-dir', good, '--kind', 'post-process']);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^KIND +NAME +PACKAGE +VERSION$/);
    expect(lines).toContainEqual(expect.stringMatching(/^post-process +invert +attrib-plugin-invert +1\.4\.2$/));
    expect(lines.slice(1).every((line) => line.startsWith('post-process'))).toBe(true);
  });

  it('finds plugin folders from the environment and from a config file, relative to the file', async () => {
    const previous = process.env.ATTRIB_PLUGINS_DIR;
    process.env.ATTRIB_PLUGINS_DIR = bad;
    try {
      writeFileSync(join(tmp, 'attrib.json'), JSON.stringify({ pluginsDir: ['good'] }));
      const run = await runCommand<ComponentsResult>(Components, ['--json', '--config', join(tmp, 'attrib.json')]);
      const names = run.result?.contributions.map((c) => c.name);
      expect(names).toContain('invert');
      expect(names).toContain('always-one');
    } finally {
      if (previous === undefined) delete process.env.ATTRIB_PLUGINS_DIR;
      else process.env.ATTRIB_PLUGINS_DIR = previous;
    }
  });

  it('reports a bad flag value as one line on stderr, and as JSON on stdout with --json', async () => {
    const run = await runCommand(Components, ['--kind', 'bogus', '--json']);
    expect(run.error).toBeDefined();
    expect(run.stderr).toMatch(/^Error: Expected --kind=bogus to be one of: adapter, post-process, metric, image-source\n$/);
    expect(JSON.parse(run.stdout)).toEqual({ error: { message: run.stderr.slice('Error: '.length).trim() } });
  });

  it('names a config file that does not exist', async () => {
    const missing = join(tmp, 'nope.yaml');
    const run = await runCommand(Components, ['--config', missing]);
    expect(run.stderr).toBe(`Error: config file ${missing}: cannot read (ENOENT)\n`);
  });
});
