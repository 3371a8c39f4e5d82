import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { createPluginHost, createRng, exportGenerator, type ExportInfo, type PluginHost } from '@attrib/core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDcganConfig } from './config.js';
import { DcganGenerator } from './generator.js';
import plugin from './plugin.js';
import { useBackend } from '@attrib/testing/backend';

let host: PluginHost;
let tmp: string;
beforeAll(async () => {
  await useBackend('cpu');
  host = createPluginHost();
  await host.register(plugin, { name: '@attrib/adapter-dcgan' });
  tmp = mkdtempSync(join(tmpdir(), 'attrib-dcgan-export-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Batch-norm scales, shifts and running statistics away from their initial 1 / 0 / 0 / 1, so
 * folding them is really tested, and convolution weights large enough for images that vary.
 */
function randomiseWeights(g: DcganGenerator, seed: number): void {
  const state = g.state();
  const rng = createRng(seed);
  for (const name of Object.keys(state)) {
    const old = state[name]!;
    if (name.endsWith('running_mean') || name.endsWith('.bias')) state[name] = tf.randomNormal(old.shape, 0, 0.5, 'float32', rng.seed());
    else if (name.endsWith('running_var')) state[name] = tf.randomUniform(old.shape, 0.3, 2, 'float32', rng.seed());
    else if (/^batch\d\.weight$/.test(name)) state[name] = tf.randomUniform(old.shape, 0.5, 1.5, 'float32', rng.seed());
    else if (name.startsWith('convT')) state[name] = tf.randomNormal(old.shape, 0, 0.15, 'float32', rng.seed());
    else continue;
    old.dispose();
  }
  g.loadState(state);
  tf.dispose(Object.values(state));
}

/** The written files as a user without attrib reads them: model.json and weights.bin handed to tfjs-layers. */
async function loadWithTfjsLayers(dir: string) {
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  expect(modelJson.format).toBe('layers-model');
  expect(modelJson.weightsManifest).toHaveLength(1);
  expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
  const bytes = readFileSync(join(dir, modelJson.weightsManifest[0].paths[0]));
  return loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest[0].weights,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  }));
}

describe('dcgan export to a standalone TensorFlow.js model', () => {
  for (const channels of [1, 3] as const) {
    it(`loads in plain tfjs-layers and gives the eval-mode generator's images to 1e-5 (32x32, ${channels} channel${channels === 1 ? '' : 's'})`, async () => {
      const generator = new DcganGenerator(resolveDcganConfig({ resolution: 32, channels, nz: 8, ngf: 4, seed: channels }));
      randomiseWeights(generator, 10 + channels);
      const before = tf.memory().numTensors;
      generator.setMode('train');
      const dir = join(tmp, `c${channels}`);
      const { info } = await exportGenerator(host, generator, dir, { test: channels });
      expect(generator.mode).toBe('train');

      const model = await loadWithTfjsLayers(dir);
      expect(model.inputs[0]!.shape).toEqual([null, 8]);
      expect(model.outputs[0]!.shape).toEqual([null, 32, 32, channels]);
      generator.setMode('eval');
      const [diff, range] = tf.tidy(() => {
        const z = tf.randomNormal([5, 8], 0, 1, 'float32', 99);
        const ours = generator.generate(z);
        const theirs = model.predict(z) as tf.Tensor;
        return [tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]!, tf.sub(tf.max(ours), tf.min(ours)).dataSync()[0]!];
      });
      expect(diff).toBeLessThan(1e-5);
      // Not a degenerate comparison: the images vary.
      expect(range).toBeGreaterThan(0.1);

      const written = JSON.parse(readFileSync(join(dir, 'attrib-model.json'), 'utf8')) as ExportInfo;
      expect(written).toEqual(info);
      expect(written).toMatchObject({
        format: 'attrib-export/1', adapter: 'dcgan', config: { resolution: 32, channels, nz: 8, ngf: 4 },
        input: { kind: 'latent', shape: [null, 8], latentSize: 8, distribution: 'N(0, I)' },
        output: { shape: [null, 32, 32, channels], layout: 'NHWC', range: [-1, 1] },
        source: { test: channels },
      });
      expect(written.checkedMaxAbsDiff).toBeLessThan(1e-5);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      generator.dispose();
    });
  }

  it('exports the running statistics whatever mode the generator is in', async () => {
    // A model exported from eval mode and from train mode must be byte-identical: the mode only
    // changes which statistics generate() uses, and the export always folds the running ones.
    const generator = new DcganGenerator(resolveDcganConfig({ resolution: 32, channels: 1, nz: 8, ngf: 4 }));
    randomiseWeights(generator, 5);
    await exportGenerator(host, generator, join(tmp, 'eval'));
    generator.setMode('train');
    await exportGenerator(host, generator, join(tmp, 'train'));
    expect(readFileSync(join(tmp, 'train', 'weights.bin')).equals(readFileSync(join(tmp, 'eval', 'weights.bin')))).toBe(true);
    generator.dispose();
  });

  it('refuses a folder that already holds a model, leaving it as it was', async () => {
    const generator = new DcganGenerator(resolveDcganConfig({ resolution: 32, channels: 1, nz: 8, ngf: 4, seed: 7 }));
    const dir = join(tmp, 'c1');
    const bytes = readFileSync(join(dir, 'weights.bin'));
    await expect(exportGenerator(host, generator, dir)).rejects.toThrow(`${join(dir, 'model.json')} already exists; export into a new or empty folder`);
    expect(readFileSync(join(dir, 'weights.bin')).equals(bytes)).toBe(true);
    generator.dispose();
  });
});
