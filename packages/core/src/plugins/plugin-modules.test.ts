import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPluginHost } from './host.js';
import { loadPlugins, registerPluginModules } from './load.js';

const folder = mkdtempSync(join(tmpdir(), 'attrib-modules-'));
const metricModule = join(folder, 'count.mjs');
writeFileSync(metricModule, "export default { register(r) { r.metric({ name: 'count', description: 'd', compute: async () => ({ summary: { n: 1 } }) }); } };\n");
const brokenModule = join(folder, 'broken.mjs');
writeFileSync(brokenModule, "throw new Error('cannot start');\n");

describe('plugin modules, to build the same plugins in another thread', () => {
  it('a host lists the modules of its loaded plugins, and another host registers them again', async () => {
    const first = createPluginHost();
    await loadPlugins(first, [{ name: 'count-plugin', version: '1.0.0', location: folder, entry: metricModule, source: 'folder' }]);
    expect(first.pluginModules()).toEqual([{ name: 'count-plugin', version: '1.0.0', entry: metricModule }]);
    const second = createPluginHost();
    await registerPluginModules(second, first.pluginModules()!);
    expect(second.list()).toEqual(first.list());
    expect(second.metric('count').name).toBe('count');
  });

  it('a plugin registered without its module makes the list undefined', async () => {
    const host = createPluginHost();
    await host.register({ register: () => {} }, { name: 'in-memory' });
    expect(host.pluginModules()).toBeUndefined();
  });

  it('a module that fails to load is an error naming the plugin and its file', async () => {
    await expect(registerPluginModules(createPluginHost(), [{ name: 'broken', entry: brokenModule }])).rejects.toThrow(
      `plugin broken (${brokenModule}) failed to load: cannot start`,
    );
  });
});
