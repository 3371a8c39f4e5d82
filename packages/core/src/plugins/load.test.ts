import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoadedPluginHost } from './load.js';

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

// A third-party plugin as its author would ship it: plain ESM, no import of attrib or tfjs.
const negatePlugin = `
export default {
  register(r) {
    r.postProcess({
      name: 'negate',
      description: 'x -> -x',
      defaults: {},
      create: () => ({ name: 'negate', params: {}, differentiable: true, apply: (images) => r.tf.neg(images) }),
    });
  },
};
`;

describe('loadPlugins / createLoadedPluginHost', () => {
  let tmp: string;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    tmp = mkdtempSync(join(tmpdir(), 'attrib-load-'));
    write(join(tmp, 'plugins/negate/package.json'), JSON.stringify({ name: 'negate-plugin', version: '1.0.0', type: 'module', attrib: { plugin: './plugin.js' } }));
    write(join(tmp, 'plugins/negate/plugin.js'), negatePlugin);
    write(join(tmp, 'plugins/throws-on-import.mjs'), "throw new Error('cannot start: missing native library');\nexport default {};\n");
    write(join(tmp, 'plugins/no-export.mjs'), 'export const something = 1;\n');
    write(join(tmp, 'plugins/named.mjs'), "export const plugin = { register(r) { r.metric({ name: 'count', description: 'd', compute: async () => ({ summary: { n: 1 } }) }); } };\n");
    write(join(tmp, 'plugins/zz-duplicate.mjs'), "export default { register(r) { r.postProcess({ name: 'negate', description: 'again', defaults: {}, create() { throw new Error('unused'); } }); } };\n");
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('loads the good plugins, and names each one that failed with its error', async () => {
    const { host, loaded, warnings } = await createLoadedPluginHost({ pluginDirs: [join(tmp, 'plugins')] });
    expect(loaded.map((c) => c.name)).toEqual(['negate-plugin', 'named.mjs']);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/^plugin no-export\.mjs \(.*no-export\.mjs\) exports no plugin: expected a default export/);
    expect(warnings[1]).toMatch(/^plugin throws-on-import\.mjs \(.*\) failed to load: cannot start: missing native library$/);
    expect(warnings[2]).toBe('plugin zz-duplicate.mjs failed to register: post-process "negate" of zz-duplicate.mjs is already registered by negate-plugin@1.0.0');

    expect(host.list().map((r) => [r.kind, r.name, r.plugin, r.version])).toEqual([
      ['postProcess', 'negate', 'negate-plugin', '1.0.0'],
      ['metric', 'count', 'named.mjs', undefined],
    ]);
    // The plugin computes with the host's tf, on the host's backend.
    const images = tf.tensor4d([0.5, -1, 0.25, 0], [1, 2, 2, 1]);
    const out = await host.postProcess('negate').create().apply(images, { mode: 'eval', rng: { uniform: () => 0, int: () => 0, normal: () => 0, seed: () => 0, fork() { return this; } } });
    expect(Array.from(await out.data())).toEqual([-0.5, 1, -0.25, -0]);
    tf.dispose([images, out]);
  });

  it("loads this workspace's own packages from source as plugins, with no warnings", async () => {
    const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
    const { loaded, warnings } = await createLoadedPluginHost({ workspaceFrom: repo });
    expect(warnings).toEqual([]);
    const names = loaded.map((c) => c.name);
    for (const name of ['@attrib/core', '@attrib/postprocess', '@attrib/adapter-dcgan', '@attrib/adapter-pgan', '@attrib/adapter-cyclegan']) {
      expect(names).toContain(name);
    }
    expect(loaded.every((c) => c.entry.endsWith('/src/plugin.ts'))).toBe(true);
  });
});
