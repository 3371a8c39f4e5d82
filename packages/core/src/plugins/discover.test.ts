import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverPlugins, findWorkspaceRoot, nodeModulesChain, RUNNING_FROM_SOURCE } from './discover.js';

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function writePackage(dir: string, pkg: Record<string, unknown>, files: string[] = []): void {
  write(join(dir, 'package.json'), JSON.stringify(pkg));
  for (const file of files) write(join(dir, file), 'export default { register() {} };\n');
}

const pluginField = { plugin: './dist/plugin.js', pluginSource: './src/plugin.ts' };

describe('discoverPlugins', () => {
  let tmp: string;
  let ws: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'attrib-discover-'));
    ws = join(tmp, 'ws');
    write(join(ws, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
    writePackage(join(ws, 'packages/alpha'), { name: '@x/alpha', version: '1.0.0', attrib: pluginField }, ['dist/plugin.js', 'src/plugin.ts']);
    writePackage(join(ws, 'packages/tool'), { name: '@x/tool', version: '1.0.0' });
    writePackage(join(ws, 'packages/unbuilt'), { name: '@x/unbuilt', version: '0.1.0', attrib: pluginField }, ['src/plugin.ts']);
    writePackage(join(ws, 'packages/cli'), { name: '@x/cli', version: '1.0.0' });
    // pnpm links workspace dependencies into node_modules: the same package, found again.
    mkdirSync(join(ws, 'packages/cli/node_modules/@x'), { recursive: true });
    symlinkSync(join(ws, 'packages/alpha'), join(ws, 'packages/cli/node_modules/@x/alpha'), 'dir');
    writePackage(join(ws, 'packages/cli/node_modules/beta'), { name: 'beta', version: '3.0.0', attrib: { plugin: './index.js' } }, ['index.js']);
    writePackage(join(ws, 'node_modules/@s/gamma'), { name: '@s/gamma', version: '0.0.1', attrib: { plugin: './plugin.mjs' } }, ['plugin.mjs']);
    writePackage(join(ws, 'node_modules/lodashish'), { name: 'lodashish', version: '1.0.0', main: 'index.js' }, ['index.js']);
    write(join(ws, 'node_modules/garbage/package.json'), '{ not json');
    // Another copy of beta elsewhere: same name, other folder.
    writePackage(join(tmp, 'elsewhere/node_modules/beta'), { name: 'beta', version: '9.9.9', attrib: { plugin: './index.js' } }, ['index.js']);
    // A user plugin folder: a package without an attrib field (main), a loose module, a broken package.
    writePackage(join(tmp, 'user/delta'), { name: 'delta', version: '0.2.0', main: 'main.js' }, ['main.js']);
    write(join(tmp, 'user/loose.mjs'), 'export default { register() {} };\n');
    write(join(tmp, 'user/notes.txt'), 'not a plugin\n');
    write(join(tmp, 'user/broken/package.json'), '{ "name": ');
    // Packages the CLI linked as oclif plugins: one with attrib components, one with commands only.
    writePackage(join(tmp, 'linked/both'), { name: 'linked-both', version: '0.3.0', oclif: { commands: './src/commands' }, attrib: { plugin: './src/plugin.js' } }, ['src/plugin.js']);
    writePackage(join(tmp, 'linked/commands-only'), { name: 'linked-commands', version: '0.1.0', oclif: { commands: './src/commands' } });
    // A plugin folder that is itself one plugin package.
    writePackage(join(tmp, 'single'), { name: 'single', version: '1.0.0', attrib: { plugin: './p.js' } }, ['p.js']);
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('finds the workspace root from a nested folder, and none outside one', () => {
    expect(findWorkspaceRoot(join(ws, 'packages/cli/node_modules/beta'))).toBe(ws);
    expect(findWorkspaceRoot(join(tmp, 'user'))).toBe(findWorkspaceRoot(tmp));
  });

  it('lists node_modules folders from a root up through its ancestors', () => {
    const chain = nodeModulesChain(join(ws, 'packages/cli'));
    expect(chain.slice(0, 2)).toEqual([join(ws, 'packages/cli/node_modules'), join(ws, 'node_modules')]);
  });

  it('finds workspace, installed and user-folder plugins in that order, each package once', async () => {
    const { candidates, warnings } = await discoverPlugins({
      workspaceFrom: join(ws, 'packages/cli'),
      nodeModulesRoots: [join(ws, 'packages/cli'), join(tmp, 'elsewhere')],
      pluginDirs: [join(tmp, 'user'), join(tmp, 'single')],
      preferSource: false,
    });
    expect(candidates.map((c) => [c.name, c.version, c.source, c.entry])).toEqual([
      ['@x/alpha', '1.0.0', 'workspace', join(ws, 'packages/alpha/dist/plugin.js')],
      ['beta', '3.0.0', 'node_modules', join(ws, 'packages/cli/node_modules/beta/index.js')],
      ['@s/gamma', '0.0.1', 'node_modules', join(ws, 'node_modules/@s/gamma/plugin.mjs')],
      ['delta', '0.2.0', 'folder', join(tmp, 'user/delta/main.js')],
      ['loose.mjs', undefined, 'folder', join(tmp, 'user/loose.mjs')],
      ['single', '1.0.0', 'folder', join(tmp, 'single/p.js')],
    ]);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/^plugin skipped: @x\/unbuilt: plugin module .*packages\/unbuilt\/dist\/plugin\.js does not exist \(is the package built\? run `pnpm build`\)$/);
    expect(warnings[1]).toBe(`plugin beta found twice: using ${join(ws, 'packages/cli/node_modules/beta')}, ignoring ${join(tmp, 'elsewhere/node_modules/beta')}`);
    expect(warnings[2]).toMatch(/^plugin skipped: .*user\/broken\/package\.json: not a valid package\.json/);
  });

  it("takes linked or installed oclif plugins that declare attrib components, after installed packages, and skips command-only ones", async () => {
    const { candidates, warnings } = await discoverPlugins({
      nodeModulesRoots: [join(ws, 'packages/cli')],
      oclifPluginRoots: [join(tmp, 'linked/commands-only'), join(tmp, 'linked/both')],
      pluginDirs: [join(tmp, 'single')],
      preferSource: false,
    });
    expect(candidates.map((c) => [c.name, c.version, c.source, c.location, c.entry])).toEqual([
      ['@x/alpha', '1.0.0', 'node_modules', join(ws, 'packages/cli/node_modules/@x/alpha'), join(ws, 'packages/cli/node_modules/@x/alpha/dist/plugin.js')],
      ['beta', '3.0.0', 'node_modules', join(ws, 'packages/cli/node_modules/beta'), join(ws, 'packages/cli/node_modules/beta/index.js')],
      ['@s/gamma', '0.0.1', 'node_modules', join(ws, 'node_modules/@s/gamma'), join(ws, 'node_modules/@s/gamma/plugin.mjs')],
      ['linked-both', '0.3.0', 'oclif', join(tmp, 'linked/both'), join(tmp, 'linked/both/src/plugin.js')],
      ['single', '1.0.0', 'folder', join(tmp, 'single'), join(tmp, 'single/p.js')],
    ]);
    expect(warnings).toEqual([]);
  });

  it('uses pluginSource when running from source and the file exists, else plugin', async () => {
    const { candidates, warnings } = await discoverPlugins({ workspaceFrom: ws, preferSource: true });
    expect(candidates.map((c) => c.entry)).toEqual([
      join(ws, 'packages/alpha/src/plugin.ts'),
      join(ws, 'packages/unbuilt/src/plugin.ts'),
    ]);
    expect(warnings).toEqual([]);
  });

  it('prefers source by default exactly when this module runs from TypeScript', () => {
    // Under vitest this module is the .ts source, so the default must be true here.
    expect(RUNNING_FROM_SOURCE).toBe(true);
  });

  it('warns about a plugin folder that does not exist', async () => {
    const missing = join(tmp, 'no-such-folder');
    const { candidates, warnings } = await discoverPlugins({ pluginDirs: [missing] });
    expect(candidates).toEqual([]);
    expect(warnings).toEqual([`plugin folder ${missing} does not exist or is not a folder`]);
  });
});
