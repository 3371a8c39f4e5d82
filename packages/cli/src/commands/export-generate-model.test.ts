import { DcganGenerator, resolveDcganConfig } from '@attrib/adapter-dcgan';
import {
  createRng, decodePng, loadExportedModel, RUN_FORMAT, RunFolder, saveGenerator, type ExportInfo, type Generator, type RunManifest,
} from '@attrib/core';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@attrib/testing/backend';
import { DenseGenerator } from '@attrib/testing/dense-generator';
import { runCommand } from '@attrib/testing/cli/run-command';
import Export, { type ExportCommandResult } from './export.js';
import Generate, { type GenerateImagesCommandResult } from './generate.js';
import { testingFile } from '@attrib/testing/files';

const TEST_PLUGIN = testingFile('test-plugin.ts');

/** A plugin folder holding core's test doubles (adapter test-dense, which cannot export), as a user's plugin would be. */
function writeTestPluginFolder(root: string): string {
  const pkg = join(root, 'plugins', 'attrib-test-doubles');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'attrib-test-doubles', version: '0.0.1', type: 'module', attrib: { plugin: './plugin.ts' } }));
  writeFileSync(join(pkg, 'plugin.ts'), `export { default } from ${JSON.stringify(TEST_PLUGIN)};\n`);
  return dirname(pkg);
}

/** A run folder whose manifest lists key-1 with a finished keyed generator (the one export reads). */
async function writeRun(dir: string, generator: Generator): Promise<void> {
  const now = new Date().toISOString();
  const manifest: RunManifest = {
    format: RUN_FORMAT, createdAt: now, updatedAt: now, seed: 0, versions: { attrib: '0.1.0', tfjs: tf.version_core, node: process.version },
    backend: 'cpu', adapter: 'dcgan', imageShape: generator.imageShape,
    root: { checkpoint: 'root.ckpt', source: 'root.ckpt', sha256: '0'.repeat(64), bytes: 0 },
    data: { source: 'mnist' }, config: {}, keys: ['key-1'], generators: ['key-1'], robust: {}, progress: {},
  };
  await RunFolder.create(dir, manifest, (folder) => folder.writeGenerator('key-1', generator));
}

/** The bytes torchvision's save_image writes for images in [-1, 1]. */
function saveImageBytes(images: tf.Tensor4D): Uint8Array {
  return tf.tidy(() => Uint8Array.from(tf.floor(tf.clipByValue(tf.add(tf.mul(tf.div(tf.add(tf.clipByValue(images, -1, 1), 1), 2), 255), 0.5), 0, 255)).dataSync()));
}

const pngNames = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
const bytesOf = (dir: string): Buffer[] => pngNames(dir).map((f) => readFileSync(join(dir, f)));

let tmp: string;
let generator: DcganGenerator;
let run: string;
let checkpoint: string;
const cpu = ['--backend', 'cpu'];
beforeAll(async () => {
  await useBackend('cpu');
  tmp = mkdtempSync(join(tmpdir(), 'attrib-export-'));
  generator = new DcganGenerator(resolveDcganConfig({ resolution: 32, channels: 1, nz: 8, ngf: 4, seed: 3 }));
  // Weights large enough for images that vary, and batch-norm statistics away from 0 / 1.
  const state = generator.state();
  const rng = createRng(4);
  for (const name of Object.keys(state)) {
    const old = state[name]!;
    if (name.startsWith('convT')) state[name] = tf.randomNormal(old.shape, 0, 0.15, 'float32', rng.seed());
    else if (name.endsWith('running_var')) state[name] = tf.randomUniform(old.shape, 0.3, 2, 'float32', rng.seed());
    else if (name.endsWith('running_mean')) state[name] = tf.randomNormal(old.shape, 0, 0.5, 'float32', rng.seed());
    else continue;
    old.dispose();
  }
  generator.loadState(state);
  tf.dispose(Object.values(state));
  run = join(tmp, 'run');
  await writeRun(run, generator);
  checkpoint = join(tmp, 'key-1.ckpt');
  await saveGenerator(checkpoint, generator);
});
afterAll(() => {
  generator.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('attrib export', () => {
  it("writes a run's keyed generator as model.json + weights.bin + attrib-model.json that gives its eval-mode images", async () => {
    const before = tf.memory().numTensors;
    const out = join(tmp, 'model');
    const outcome = await runCommand<ExportCommandResult>(Export, [run, '--key', 'key-1', '--out', out, ...cpu]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toBe(`exported dcgan generator to ${join(out, 'model.json')}: latents [N, 8] ~ N(0, I) -> images [N, 32, 32, 1] in [-1, 1]\n`);
    expect(readdirSync(out).sort()).toEqual(['attrib-model.json', 'model.json', 'weights.bin']);
    const info = JSON.parse(readFileSync(join(out, 'attrib-model.json'), 'utf8')) as ExportInfo;
    expect(info).toMatchObject({ adapter: 'dcgan', input: { latentSize: 8, distribution: 'N(0, I)' }, output: { shape: [null, 32, 32, 1], range: [-1, 1] }, source: { run, key: 'key-1' } });

    const model = await loadExportedModel(out);
    const diff = tf.tidy(() => {
      const z = tf.randomNormal([4, 8], 0, 1, 'float32', 5);
      return tf.max(tf.abs(tf.sub(generator.generate(z), model.predict(z) as tf.Tensor))).dataSync()[0]!;
    });
    model.dispose();
    expect(diff).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('exports a generator checkpoint instead (--checkpoint): the same weights', async () => {
    const out = join(tmp, 'model-ckpt');
    const outcome = await runCommand<ExportCommandResult>(Export, ['--checkpoint', checkpoint, '--out', out, ...cpu, '--json']);
    expect(outcome.error).toBeUndefined();
    expect(JSON.parse(outcome.stdout)).toMatchObject({ out, info: { source: { checkpoint } } });
    expect(readFileSync(join(out, 'weights.bin')).equals(readFileSync(join(tmp, 'model', 'weights.bin')))).toBe(true);
  });

  it('fails in one line, writing nothing, for a key without a generator, mixed forms, an existing model, an adapter that cannot export', async () => {
    const fail = async (argv: string[]): Promise<string> => {
      const outcome = await runCommand(Export, [...argv, ...cpu]);
      expect(outcome.error).toBeDefined();
      return outcome.stderr;
    };
    const out = join(tmp, 'never');
    expect(await fail([run, '--key', 'key-2', '--out', out])).toBe(`Error: run ${run} has no keyed generator for --key key-2; keys with one: key-1\n`);
    expect(await fail([run, '--key', 'key-1', '--robust', 'blur', '--out', out])).toBe(`Error: run ${run} has no generator of --key key-1 robust to blur; robust generators: none yet\n`);
    expect(await fail([run, '--checkpoint', checkpoint, '--out', out])).toBe('Error: give either RUN --key KEY or --checkpoint FILE, not both\n');
    expect(await fail(['--out', out])).toBe("Error: give RUN --key KEY (a run's keyed generator) or --checkpoint FILE\n");
    expect(await fail([run, '--out', out])).toBe('Error: --key is required with RUN (which keyed generator to export)\n');
    expect(existsSync(out)).toBe(false);

    const existing = join(tmp, 'model');
    const weights = readFileSync(join(existing, 'weights.bin'));
    expect(await fail(['--checkpoint', checkpoint, '--out', existing])).toBe(`Error: ${join(existing, 'model.json')} already exists; export into a new or empty folder\n`);
    expect(readFileSync(join(existing, 'weights.bin')).equals(weights)).toBe(true);

    const dense = new DenseGenerator({ latent: 3, height: 2, width: 2, batchNorm: false });
    const denseFile = join(tmp, 'dense.ckpt');
    await saveGenerator(denseFile, dense);
    dense.dispose();
    expect(await fail(['--checkpoint', denseFile, '--out', out, '--plugins-dir', writeTestPluginFolder(tmp)]))
      .toBe('Error: adapter test-dense cannot export a standalone model; adapters that can: dcgan\n');
    expect(existsSync(out)).toBe(false);
  });
});

describe('attrib generate --model', () => {
  const model = (): string => join(tmp, 'model');

  it("writes N 32x32 grey PNGs of the generator's images (save_image bytes); the same seed gives the same files", async () => {
    const before = tf.memory().numTensors;
    const out = join(tmp, 'images');
    const outcome = await runCommand<GenerateImagesCommandResult>(Generate, ['--model', model(), '--count', '5', '--out', out, '--seed', '7', '--batch-size', '2', ...cpu]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toBe(`wrote 5 images (32x32x1 PNG) to ${out}\n`);
    expect(outcome.result).toMatchObject({ count: 5, seed: 7, written: 5, kept: 0, latentSize: 8, imageShape: { height: 32, width: 32, channels: 1 } });
    expect(pngNames(out)).toEqual(['00000.png', '00001.png', '00002.png', '00003.png', '00004.png']);

    // Latent i is N(0, I) from its own seed (seed 7, label generate-latents, index i): the images are the generator's.
    const rng = createRng(7).fork('generate-latents');
    const expected = tf.tidy(() => generator.generate(tf.concat(Array.from({ length: 5 }, (_, i) => tf.randomNormal([1, 8], 0, 1, 'float32', rng.fork(i).seed())))));
    const expectedBytes = saveImageBytes(expected);
    expected.dispose();
    let worst = 0;
    pngNames(out).forEach((name, i) => {
      const image = decodePng(readFileSync(join(out, name)), 1, name);
      expect([image.width, image.height, image.channels]).toEqual([32, 32, 1]);
      // Grey PNGs (colour type 0), as torchvision writes one-channel images.
      expect(readFileSync(join(out, name))[25]).toBe(0);
      for (let p = 0; p < 32 * 32; p++) worst = Math.max(worst, Math.abs(image.data[p]! - expectedBytes[i * 1024 + p]!));
    });
    // float32 rounding may move a value across a byte boundary, by one step at most.
    expect(worst).toBeLessThanOrEqual(1);
    expect(new Set(bytesOf(out).map((b) => b.toString('hex'))).size).toBe(5);

    const again = join(tmp, 'images-again');
    await runCommand(Generate, ['--model', join(model(), 'model.json'), '--count', '3', '--out', again, '--seed', '7', ...cpu]);
    expect(bytesOf(again)).toEqual(bytesOf(out).slice(0, 3));
    const other = join(tmp, 'images-other');
    await runCommand(Generate, ['--model', model(), '--count', '3', '--out', other, '--seed', '8', ...cpu]);
    expect(bytesOf(other)[0]!.equals(bytesOf(out)[0]!)).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('--resume keeps the images an interrupted job wrote and writes the rest, identically', async () => {
    const out = join(tmp, 'images');
    const complete = bytesOf(out);
    unlinkSync(join(out, '00003.png'));
    unlinkSync(join(out, '00004.png'));
    const refused = await runCommand(Generate, ['--model', model(), '--count', '5', '--out', out, '--seed', '7', ...cpu]);
    expect(refused.stderr).toBe(`Error: ${join(out, 'images.json')} already exists; use --resume to finish that job, or choose another --out folder\n`);
    const otherSeed = await runCommand(Generate, ['--model', model(), '--count', '5', '--out', out, '--seed', '9', '--resume', ...cpu]);
    expect(otherSeed.stderr).toBe(`Error: ${join(out, 'images.json')}: the earlier job had seed 7, this one 9; resume with the same settings\n`);
    const resumed = await runCommand<GenerateImagesCommandResult>(Generate, ['--model', model(), '--count', '5', '--out', out, '--seed', '7', '--resume', ...cpu]);
    expect(resumed.result).toMatchObject({ written: 2, kept: 3 });
    expect(bytesOf(out)).toEqual(complete);
  });

  it('fails in one line for a missing model.json, a missing weights file, mixed or missing forms', async () => {
    const fail = async (argv: string[]): Promise<string> => {
      const outcome = await runCommand(Generate, [...argv, ...cpu]);
      expect(outcome.error).toBeDefined();
      return outcome.stderr;
    };
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const out = join(tmp, 'not-written');
    expect(await fail(['--model', empty, '--count', '2', '--out', out]))
      .toBe(`Error: ${join(empty, 'model.json')}: cannot read (ENOENT); expected the model.json of an exported model (\`attrib export\`)\n`);
    const noWeights = join(tmp, 'no-weights');
    mkdirSync(noWeights);
    writeFileSync(join(noWeights, 'model.json'), readFileSync(join(model(), 'model.json')));
    expect(await fail(['--model', noWeights, '--count', '2', '--out', out]))
      .toBe(`Error: ${join(noWeights, 'weights.bin')}: cannot read the weights named by ${join(noWeights, 'model.json')} (ENOENT)\n`);
    writeFileSync(join(noWeights, 'model.json'), '{"modelTopology": null}');
    expect(await fail(['--model', noWeights, '--count', '2', '--out', out]))
      .toBe(`Error: ${join(noWeights, 'model.json')}: not a TensorFlow.js layers model (expected modelTopology and weightsManifest)\n`);
    expect(existsSync(out)).toBe(false);

    expect(await fail(['--model', model(), '--checkpoint', checkpoint, '--count', '2', '--out', out]))
      .toBe('Error: --model (an exported model) does not go with --checkpoint (a checkpoint run on .npy inputs); give one form\n');
    expect(await fail(['--checkpoint', checkpoint, '--inputs', 'z.npy', '--count', '2', '--out', 'x.npy']))
      .toBe('Error: --count go with --model (an exported model), not with --checkpoint, --inputs; give one form\n');
    expect(await fail(['--out', out]))
      .toBe('Error: give --model DIR --count N --out DIR (PNG images from an exported model) or --checkpoint FILE --inputs FILE --out FILE (.npy)\n');
    expect(await fail(['--model', model(), '--out', out])).toBe('Error: --count is required with --model (the number of images)\n');
    expect(await fail(['--model', model(), '--count', '0', '--out', out])).toBe('Error: --count must be a positive integer, got 0\n');
    expect(existsSync(out)).toBe(false);
  });
});
