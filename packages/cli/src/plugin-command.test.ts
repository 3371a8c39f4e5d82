import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKey, readPng, writePng } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { attribDev, isolatedAttribEnv, type DevRun } from '@attrib/testing/cli/attrib-dev';
import { CLI_ROOT } from '@attrib/testing/cli/run-command';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import { writeTinyRun } from '@attrib/testing/cli/tiny-run';
import { TINY_OPTIONS } from '@attrib/testing/run-fixture';

/** The example plugin package, as its author would publish it. */
const EXAMPLE = join(CLI_ROOT, '..', '..', 'examples', 'plugin-command');
const PLUGIN_NAME = 'attrib-plugin-key-similarity';

/** Packages the CLI shares with its plugins (bin/shared-modules.mjs): a plugin never loads its own copy. */
const SHARED = ['@attrib/cli', '@attrib/core', '@oclif/core', '@tensorflow/tfjs-core', 'tsyringe'];

/** A package in `nodeModules` that fails loudly when imported: a second copy the process must not load. */
function writeDecoy(nodeModules: string, name: string): void {
  const dir = join(nodeModules, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '99.0.0', type: 'module', exports: { '.': './index.js', './*': './index.js' } }));
  writeFileSync(join(dir, 'index.js'), `throw new Error('second copy of ${name} loaded from ${dir}');\n`);
}

/** The plugins a user added, from `attrib plugins --json` (which lists the CLI's own core plugins too). */
function userPlugins(stdout: string): { name: string; type: string; root: string }[] {
  return (JSON.parse(stdout) as { name: string; type: string; root: string }[]).filter((p) => p.type !== 'core');
}

/** The cosine of every pair of the run's keys, computed here entry by entry. */
async function cosinesByHand(run: string, ids: readonly string[]): Promise<number[][]> {
  const vectors: number[][] = [];
  for (const id of ids) {
    const key = await loadKey(join(run, 'keys', `${id}.json`));
    vectors.push(Array.from(await key.vector.data()));
    key.dispose();
  }
  const dot = (a: number[], b: number[]): number => a.reduce((sum, value, i) => sum + value * b[i]!, 0);
  return vectors.map((a) => vectors.map((b) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b))));
}

// Every step runs `attrib` in a child process with its own data folder (where oclif keeps linked
// plugins), from a folder outside the workspace; the steps build on each other, in order.
describe('a command plugin linked with `attrib plugins link` (examples/plugin-command)', () => {
  let tmp: string;
  let plugin: string;
  let run: string;
  let trained: string;
  let doubles: string;
  const attrib = (...args: string[]): Promise<DevRun> => attribDev(args, tmp, isolatedAttribEnv(tmp));

  beforeAll(async () => {
    await useBackend('cpu');
    tmp = mkdtempSync(join(tmpdir(), 'attrib-plugin-command-'));
    // A copy outside the workspace, without node_modules: its peer dependencies come from the CLI.
    plugin = join(tmp, PLUGIN_NAME);
    cpSync(join(EXAMPLE, 'package.json'), join(plugin, 'package.json'));
    cpSync(join(EXAMPLE, 'src'), join(plugin, 'src'), { recursive: true });
    // Its own copies of the peer dependencies, as an `npm install` in the plugin folder would leave them.
    for (const name of SHARED) writeDecoy(join(plugin, 'node_modules'), name);
    ({ run } = await writeTinyRun({ seed: 3, keys: 1, generators: false }));
    ({ run: trained } = await writeTinyRun({ seed: 4, keys: 1, generators: true }));
    doubles = writeTestDoublesFolder();
  }, 120_000);

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('links the package, and `attrib plugins` lists it', async () => {
    const link = await attrib('plugins', 'link', plugin, '--no-install');
    expect(link.code).toBe(0);
    const list = await attrib('plugins', '--json');
    expect(list.code).toBe(0);
    expect(userPlugins(list.stdout)).toEqual([expect.objectContaining({ name: PLUGIN_NAME, type: 'link', root: plugin })]);
  }, 120_000);

  it("runs the plugin command with the CLI's copies of its peer dependencies: the cosines of the keys as JSON and as a table", async () => {
    const json = await attrib('keys', 'similarity', run, '--json', '--backend', 'cpu');
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as { run: string; keys: string[]; cosines: number[][]; largest: number };
    expect(result.run).toBe(run);
    expect(result.keys).toEqual(['key-1', 'key-2']);
    const expected = await cosinesByHand(run, result.keys);
    result.cosines.forEach((row, i) => row.forEach((value, j) => expect(value).toBeCloseTo(expected[i]![j]!, 5)));
    expect(result.largest).toBeCloseTo(Math.abs(expected[0]![1]!), 5);

    const table = await attrib('keys', 'similarity', run, '--digits', '4', '--backend', 'cpu');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KEY +KEY-1 +KEY-2$/);
    expect(lines[1]).toMatch(new RegExp(`^key-1 +1\\.0000 +${expected[0]![1]!.toFixed(4).replace('.', '\\.')}$`));
    expect(lines[3]).toBe(`largest |cosine| between two keys: ${Math.abs(expected[0]![1]!).toFixed(4)}`);
  }, 120_000);

  it("runs the plugin's post-process: `components` lists it from the linked package, and `postprocess apply` mirrors an image", async () => {
    const components = await attrib('components', '--kind', 'post-process', '--json');
    expect(components.code).toBe(0);
    const listing = JSON.parse(components.stdout) as { contributions: { name: string; package: string }[]; plugins: { name: string; source: string; location: string }[] };
    expect(listing.contributions).toContainEqual(expect.objectContaining({ name: 'mirror', package: PLUGIN_NAME, version: '0.1.0' }));
    expect(listing.plugins).toContainEqual({ name: PLUGIN_NAME, version: '0.1.0', source: 'oclif', location: plugin });

    const width = 5;
    const height = 4;
    const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
    await writePng(join(tmp, 'in.png'), { width, height, channels: 3, data });
    const apply = await attrib('postprocess', 'apply', join(tmp, 'in.png'), '--postprocess', 'mirror', '--out', join(tmp, 'out'), '--backend', 'cpu');
    expect(apply.code).toBe(0);
    const mirrored = await readPng(join(tmp, 'out', 'in.png'), 3);
    const expected = Uint8Array.from({ length: data.length }, (_, i) => {
      const [y, x, c] = [Math.floor(i / (width * 3)), Math.floor(i / 3) % width, i % 3];
      return data[(y * width + (width - 1 - x)) * 3 + c]!;
    });
    expect(Array.from(mirrored.data)).toEqual(Array.from(expected));
  }, 120_000);

  it("gives the plugin's attack the built-in attacks' powers: a study sweeps its declared strength, trains against it, and plots it", async () => {
    const study = join(tmp, 'shift-study');
    writeFileSync(join(tmp, 'shift-study.yaml'), JSON.stringify({
      base: trained, out: study, pluginsDir: doubles,
      postprocesses: [{ name: 'shift', sweep: 3, robust: [false] }, { name: 'shift', robust: [false, true] }],
      training: { robust: TINY_OPTIONS.robust }, evaluation: { samples: 24, fid: false },
    }));
    const result = await attrib('study', join(tmp, 'shift-study.yaml'), '--backend', 'cpu', '--json');
    expect(result.code, result.stderr).toBe(0);
    const rows = (JSON.parse(result.stdout) as { rows: { param: string; strength: string; robust: boolean; attackSsim: number; attributability: number }[] }).rows;
    // The sweep's 0, 2 and 4 pixels, then the evaluation default (4) before and after robust training.
    expect(rows.map((r) => [r.param, r.strength, r.robust])).toEqual([
      ['pixels', '0', false], ['pixels', '2', false], ['pixels', '4', false], ['pixels', '4', false], ['pixels', '4', true],
    ]);
    // A shift of 0 leaves every image as it was; 4 pixels of a 16-pixel-wide test image do not.
    expect(rows[0]!.attackSsim).toBeCloseTo(1, 6);
    expect(rows[2]!.attackSsim).toBeLessThan(0.99);
    const manifest = JSON.parse(readFileSync(join(study, 'cells', readdirSync(join(study, 'cells')).find((c) => c.includes('robust'))!, 'manifest.json'), 'utf8')) as { robust: Record<string, string[]> };
    expect(manifest.robust.shift).toEqual(['key-1', 'key-2']);
    expect(readFileSync(join(study, 'robustness-shift.svg'), 'utf8')).toContain('against SSIM');
  }, 180_000);

  it("calls the plugin's attrib:run-finished hook when a command changed the run's keys, on stderr", async () => {
    const add = await attrib('keys', 'add', run, '--count', '1', '--epochs', '1', '--steps-per-epoch', '1', '--batch-size', '8', '--backend', 'cpu', '--plugins-dir', doubles, '--json');
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ added: ['key-3'] });
    expect(add.stderr).toContain(`key-similarity: keys add changed the keys of ${run}; compare them with \`attrib keys similarity ${run}\`\n`);
  }, 120_000);

  it('suggests the plugin command for a typo, and completes it in bash and zsh', async () => {
    const typo = await attrib('keys', 'similarty', run);
    expect(typo.code).toBe(127);
    expect(typo.stderr).toBe('Error: "keys similarty" is not an attrib command; did you mean "keys similarity"? (`attrib help` lists the commands)\n');

    const completion = await attrib('autocomplete', '--refresh-cache');
    expect(completion.code).toBe(0);
    const functions = join(tmp, 'cache', 'autocomplete', 'functions');
    expect(readFileSync(join(functions, 'bash', 'attrib.bash'), 'utf8')).toContain('keys:similarity');
    expect(readFileSync(join(functions, 'zsh', '_attrib'), 'utf8')).toContain('similarity');
  }, 120_000);

  it('unlinks it: the command and the post-process are gone, the folder stays', async () => {
    const uninstall = await attrib('plugins', 'uninstall', PLUGIN_NAME);
    expect(uninstall.code).toBe(0);
    expect(userPlugins((await attrib('plugins', '--json')).stdout)).toEqual([]);
    const gone = await attrib('keys', 'similarity', run);
    expect(gone.code).toBe(127);
    expect(gone.stderr).toMatch(/ is not an attrib command; /);
    const components = JSON.parse((await attrib('components', '--json')).stdout) as { contributions: { name: string }[] };
    expect(components.contributions.map((c) => c.name)).not.toContain('mirror');
    expect(existsSync(join(plugin, 'src', 'plugin.js'))).toBe(true);
  }, 180_000);
});
