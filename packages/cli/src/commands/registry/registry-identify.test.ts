/**
 * The registry commands and `attrib identify`, in one file because they share one fixture (a
 * synthetic root and its data take seconds to make): a registry is made and filled through the
 * commands, then its run's and its users' generators write PNGs that identify must attribute.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, encodePng, loadGenerator, type FileVerdict, type PluginHost, type RegistryListing } from '@attrib/core';
import { useBackend } from '@attrib/testing/backend';
import { testHost, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { expectCommandFailsUnchanged, runCommand } from '@attrib/testing/cli/run-command';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import Identify, { type IdentifyResult } from '../identify.js';
import RegistryAdd from './add.js';
import RegistryExport from './export.js';
import RegistryInit from './init.js';
import RegistryList from './list.js';
import RegistryRemove from './remove.js';

/** Training just long enough for the keyed generators of a 16x16 test-dense root to be told apart. */
const TRAINING_YAML = `first:
  epochs: 2
  stepsPerEpoch: 25
  lrKey: 0.04
  lr: 0.01
  checkSamples: 100
keys:
  epochs: 2
  stepsPerEpoch: 25
  batchSize: 32
  lrKey: 0.05
generators:
  epochs: 3
  stepsPerEpoch: 25
  lr: 0.01
  checkSamples: 100
`;

/** Writes `count` 8-bit grey PNGs of `images` (NHWC in [-1, 1]) to `dir`, as save_image would. */
async function writePngs(images: tf.Tensor4D, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const bytes = tf.tidy(() => tf.floor(tf.clipByValue(tf.add(tf.mul(tf.add(tf.clipByValue(images, -1, 1), 1), 127.5), 0.5), 0, 255)));
  const data = Uint8Array.from(await bytes.data());
  bytes.dispose();
  const [count, height, width] = images.shape;
  for (let i = 0; i < count; i++) {
    writeFileSync(join(dir, `${i}.png`), encodePng({ width, height, channels: 1, data: data.subarray(i * height * width, (i + 1) * height * width) }));
  }
}

/** 10 PNGs from the generator checkpoint `file`. */
async function writeGeneratorPngs(host: PluginHost, file: string, dir: string): Promise<void> {
  const { generator } = await loadGenerator(file, (name) => host.adapter(name));
  generator.setMode('eval');
  const images = tf.tidy(() => generator.generate(generator.sampleInputs(10, createRng(21))));
  await writePngs(images, dir);
  images.dispose();
  generator.dispose();
}

let fixture: RunFixture;
let registry: string;
let images: string;
let common: string[];
let host: PluginHost;
beforeAll(async () => {
  await useBackend('cpu');
  host = await testHost();
  fixture = await writeRunFixture(512);
  registry = join(fixture.dir, 'vendor');
  images = join(fixture.dir, 'images');
  common = ['--backend', 'cpu', '--plugins-dir', writeTestDoublesFolder()];
  const data = JSON.parse(readFileSync(fixture.dataFile, 'utf8')) as { values: number[] };
  const real = tf.tensor4d(data.values.slice(0, 10 * 256), [10, 16, 16, 1]);
  await writePngs(real, join(images, 'real'));
  real.dispose();
}, 60_000);

/** Runs identify and returns its verdicts by image folder (key-1, alice, real, ...). */
async function identify(argv: string[]): Promise<{ byFolder: Record<string, FileVerdict[]>; result: IdentifyResult; stdout: string }> {
  const outcome = await runCommand<IdentifyResult>(Identify, [...argv, ...common]);
  expect(outcome.error, outcome.stderr).toBeUndefined();
  const byFolder: Record<string, FileVerdict[]> = {};
  for (const v of outcome.result!.images) (byFolder[v.file.split('/').at(-2)!] ??= []).push(v);
  return { byFolder, result: outcome.result!, stdout: outcome.stdout };
}

/** Share of a folder's verdicts naming `who` as the only claimant. */
const shareKeyed = (verdicts: FileVerdict[] | undefined, who: string) => (verdicts ?? []).filter((v) => v.kind === 'keyed' && v.key === who).length / 10;
const shareAuthentic = (verdicts: FileVerdict[] | undefined) => (verdicts ?? []).filter((v) => v.kind === 'authentic').length / 10;

describe('registry commands', () => {
  it('init makes the registry around a run and records the users\' training options from the config file', async () => {
    const config = join(fixture.dir, 'training.yaml');
    writeFileSync(config, TRAINING_YAML);
    const outcome = await runCommand(RegistryInit, [
      registry, '--adapter', 'test-dense', '--root', fixture.rootFile, '--data', `test-json:${fixture.dataFile}`, '--seed', '4', '--config', config, ...common,
    ]);
    expect(outcome.error, outcome.stderr).toBeUndefined();
    expect(outcome.stdout).toBe(`${registry}: registry ready (run ${join(registry, 'run')}); add users with \`attrib registry add ${registry} --user ID\`\n`);
    expect(outcome.stderr).toMatch(/first epoch 2\/2: /);
    const index = JSON.parse(readFileSync(join(registry, 'registry.json'), 'utf8'));
    expect(index.training.keys).toMatchObject({ epochs: 2, stepsPerEpoch: 25, batchSize: 32, lrKey: 0.05 });
    expect(index.training.generators).toMatchObject({ epochs: 3, stepsPerEpoch: 25, lr: 0.01, alpha: 10 });
  });

  it('add trains a user\'s key and generator, showing progress; --json gives the result', async () => {
    const alice = await runCommand(RegistryAdd, [registry, '--user', 'alice', '--meta', 'email=alice@example.com', '--meta', 'plan=pro', ...common]);
    expect(alice.error, alice.stderr).toBeUndefined();
    expect(alice.stdout).toBe(`user alice added to ${registry}: key-2 (orthogonal to key-1) and its generator\n`);
    expect(alice.stderr).toMatch(/keys\/key-2 epoch 2\/2: realShare/);
    expect(alice.stderr).toMatch(/generators\/key-2 epoch 3\/3: keyedShare/);
    const bob = await runCommand(RegistryAdd, [registry, '--user', 'bob', ...common, '--json']);
    expect(bob.error, bob.stderr).toBeUndefined();
    expect(JSON.parse(bob.stdout)).toMatchObject({ user: 'bob', key: 'key-3', orthogonalTo: ['key-1', 'key-2'], keyTrainings: 1 });
  });

  it('list shows users, metadata, key ids and dates but no key vector', async () => {
    const text = await runCommand(RegistryList, [registry, ...common]);
    expect(text.error).toBeUndefined();
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${registry}: test-dense root, 16x16x1 images; 2 user(s); registry's own key(s): key-1`);
    expect(lines[1]).toMatch(/^USER +KEY +STATUS +CREATED +EXPORTS +META$/);
    expect(lines[2]).toMatch(/^alice +key-2 +ready +\d{4}-\d\d-\d\dT[\d:.]+Z +0 +email=alice@example\.com plan=pro$/);
    expect(lines[3]).toMatch(/^bob +key-3 +ready /);
    const json = await runCommand<RegistryListing>(RegistryList, [registry, ...common, '--json']);
    const listing = JSON.parse(json.stdout) as RegistryListing;
    expect(listing.users.map((u) => [u.user, u.key])).toEqual([['alice', 'key-2'], ['bob', 'key-3']]);
    const vector = (JSON.parse(readFileSync(join(registry, 'keys/key-2.json'), 'utf8')) as { vector: string }).vector;
    expect(json.stdout).not.toContain(vector.slice(0, 12));
    expect(text.stdout).not.toContain(vector.slice(0, 12));
  });

  it('export writes the key file, once', async () => {
    const out = join(fixture.dir, 'alice-key.json');
    const outcome = await runCommand(RegistryExport, [registry, '--user', 'alice', '--out', out, ...common]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toBe(`key key-2 of user alice written to ${out}\n`);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(registry, 'keys/key-2.json'), 'utf8'));
    const again = await runCommand(RegistryExport, [registry, '--user', 'alice', '--out', out, ...common]);
    expect(again.stderr).toMatch(/^Error: --out \S*alice-key\.json already exists; expected a new file \(nothing is overwritten\)\n$/);
  });
});

describe('identify', () => {
  beforeAll(async () => {
    await writeGeneratorPngs(host, join(registry, 'run/generators/key-1/generator.ckpt'), join(images, 'key-1'));
    await writeGeneratorPngs(host, join(registry, 'generators/key-2/generator.ckpt'), join(images, 'alice'));
    await writeGeneratorPngs(host, join(registry, 'generators/key-3/generator.ckpt'), join(images, 'bob'));
  });

  it('--run: images of the run\'s keyed generator are attributed to its key, real images are authentic (folder arguments)', async () => {
    const { byFolder, stdout, result } = await identify([join(images, 'key-1'), join(images, 'real'), '--run', join(registry, 'run')]);
    expect(result.keys).toEqual({ source: join(registry, 'run'), ids: ['key-1'] });
    expect(shareKeyed(byFolder['key-1'], 'key-1')).toBeGreaterThanOrEqual(0.9);
    expect(shareAuthentic(byFolder.real)).toBeGreaterThanOrEqual(0.9);
    expect(stdout.split('\n')[0]).toMatch(/^IMAGE +VERDICT +CLAIMANT +MARGIN +SCORES$/);
    expect(stdout.split('\n')[1]).toMatch(/key-1\/0\.png +(made by key-1 +key-1 +\d+\.\d{3}|authentic \(no key claims it\) +- +-) +key-1 -?\d+\.\d{3}$/);
  });

  it('--registry names the user whose generator made each image; --json output parses', async () => {
    const outcome = await runCommand<IdentifyResult>(Identify, [images, join(images, 'alice', '3.png'), '--registry', registry, ...common, '--json']);
    expect(outcome.error, outcome.stderr).toBeUndefined();
    const parsed = JSON.parse(outcome.stdout) as IdentifyResult;
    expect(parsed.keys).toEqual({ source: registry, ids: ['key-1', 'key-2', 'key-3'] });
    expect(parsed.postprocess).toBeNull();
    expect(parsed.images).toHaveLength(41);
    const byFolder: Record<string, FileVerdict[]> = {};
    for (const v of parsed.images.slice(0, 40)) (byFolder[v.file.split('/').at(-2)!] ??= []).push(v);
    expect(shareKeyed(byFolder.alice, 'alice')).toBeGreaterThanOrEqual(0.9);
    expect(shareKeyed(byFolder.bob, 'bob')).toBeGreaterThanOrEqual(0.9);
    expect(shareKeyed(byFolder['key-1'], 'key-1')).toBeGreaterThanOrEqual(0.9);
    expect(shareAuthentic(byFolder.real)).toBeGreaterThanOrEqual(0.9);
    expect(parsed.images[40]!.scores.map((s) => s.key)).toEqual(['key-1', 'alice', 'bob']);
    expect(parsed.images[40]!.scores).toEqual(byFolder.alice![3]!.scores);
  });

  it('--postprocess applies a registered post-process first and reports it', async () => {
    const { result } = await identify([join(images, 'real', '0.png'), '--registry', registry, '--postprocess', 'test-contrast', '--param', 'min=0.8']);
    expect(result.postprocess).toEqual({ name: 'test-contrast', params: { min: 0.8 } });
    expect(result.images).toHaveLength(1);
  });

  it('after remove, the user\'s files are in removed/ and identify no longer names it', async () => {
    const outcome = await runCommand(RegistryRemove, [registry, '--user', 'bob', ...common]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toBe('user bob removed (key-3); moved removed/keys/key-3.json, removed/keys/key-3.png, removed/generators/key-3\n');
    expect(existsSync(join(registry, 'removed/generators/key-3/generator.ckpt'))).toBe(true);
    const { result } = await identify([join(images, 'bob'), '--registry', registry]);
    expect(result.keys.ids).toEqual(['key-1', 'key-2']);
    for (const v of result.images) expect(v.scores.map((s) => s.key)).toEqual(['key-1', 'alice']);
    const list = await runCommand(RegistryList, [registry, '--removed', ...common]);
    expect(list.stdout).toMatch(/removed \(files in \S+\/removed\):\nUSER +KEY +STATUS +CREATED +REMOVED +EXPORTS +META\nbob +key-3 +ready /);
  });
});

describe('bad input: one line on stderr, nothing changed on disk', () => {
  const fails = (command: Parameters<typeof runCommand>[0], argv: string[], message: RegExp) =>
    expectCommandFailsUnchanged(fixture.dir, command, [...argv, ...common], message);

  it('identify: a missing image, a folder without images, no keys or both, a missing registry', async () => {
    await fails(Identify, [join(fixture.dir, 'nope.png'), '--registry', registry], /\S*nope\.png: cannot read \(ENOENT\)/);
    await fails(Identify, [join(registry, 'removed/generators'), '--registry', registry], /\S*removed\/generators: no PNG or JPEG images found/);
    await fails(Identify, [images], /identify needs exactly one of --run DIR or --registry DIR \(where the keys are\)/);
    await fails(Identify, [images, '--run', join(registry, 'run'), '--registry', registry], /identify needs exactly one of --run DIR or --registry DIR \(where the keys are\)/);
    await fails(Identify, [images, '--registry', join(fixture.dir, 'none')], /registry \S*none does not exist; create it with `attrib registry init`/);
    await fails(Identify, [images, '--run', join(fixture.dir, 'none')], /run folder \S*none does not exist; create it with `attrib keys init`/);
    await fails(Identify, [images, '--registry', registry, '--postprocess', 'blurr'], /Unknown post-process "blurr"; available: .*/);
  });

  it('registry: a user already there, a bad --meta, a missing --user, an unknown user, a non-empty folder', async () => {
    await fails(RegistryAdd, [registry, '--user', 'alice'], /user alice is already in registry \S+ \(key-2\); remove it first to give it a new key/);
    await fails(RegistryAdd, [registry, '--user', 'carol', '--meta', 'novalue'], /--meta "novalue": expected key=value/);
    await fails(RegistryAdd, [registry], /Missing required flag user/);
    await fails(RegistryRemove, [registry, '--user', 'zed'], /user "zed" is not in registry \S+ \(users: alice\)/);
    await fails(RegistryExport, [registry, '--user', 'bob', '--out', join(fixture.dir, 'bob.json')], /user "bob" is not in registry \S+ \(users: alice\)/);
    await fails(RegistryInit, [fixture.dir, '--adapter', 'test-dense', '--root', fixture.rootFile, '--data', `test-json:${fixture.dataFile}`],
      /registry \S+ is not empty and holds no registry; expected a new or empty folder/);
  });
});
