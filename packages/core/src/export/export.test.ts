import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeneratorAdapter } from '../contracts/adapter.js';
import type { Generator } from '../contracts/generator.js';
import { decodePng } from '../io/png.js';
import { createPluginHost, type PluginHost } from '../plugins/host.js';
import { definePlugin } from '../plugins/plugin.js';
import { useBackend } from '@attrib/testing/backend';
import { DenseGenerator, denseTestAdapter } from '@attrib/testing/dense-generator';
import { exportGenerator } from './write-export.js';
import { generateImages } from './generate-images.js';
import { loadExportedModel } from './load-export.js';

/**
 * How a third party would export: build the layers model with tfjs-layers and save it through a
 * handler. `spoil` makes it wrong (for the checks that core refuses such a model).
 */
function exportingAdapter(spoil?: 'weights' | 'shape'): GeneratorAdapter {
  return {
    ...denseTestAdapter,
    async exportModel(generator: Generator): Promise<tf.io.ModelArtifacts> {
      const { latent, height, width, channels } = (generator as DenseGenerator).settings;
      const model = tfl.sequential();
      const dense = tfl.layers.dense({ units: height * width * channels, inputShape: [latent], activation: 'tanh' });
      model.add(dense);
      model.add(tfl.layers.reshape({ targetShape: spoil === 'shape' ? [width * height, 1, channels] : [height, width, channels] }));
      const state = generator.state();
      const kernel = tf.transpose(state['dense.weight']!);
      const bias = spoil === 'weights' ? tf.add(state['dense.bias']!, 0.01) : state['dense.bias']!;
      dense.setWeights([kernel, bias]);
      tf.dispose([kernel, bias, ...Object.values(state)]);
      let artifacts: tf.io.ModelArtifacts | undefined;
      await model.save(tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      model.dispose();
      return artifacts!;
    },
  };
}

async function hostWith(...adapters: GeneratorAdapter[]): Promise<PluginHost> {
  const host = createPluginHost();
  await host.register(definePlugin({ register: (r) => adapters.forEach((a) => r.adapter(a)) }), { name: 'export-test' });
  return host;
}

let tmp: string;
beforeAll(async () => {
  await useBackend('cpu');
  tmp = mkdtempSync(join(tmpdir(), 'attrib-core-export-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('exportGenerator, loadExportedModel and generateImages through an adapter built with tfjs-layers', () => {
  it('exports, loads and writes RGB PNGs of the generator, leaving no tensor behind', async () => {
    const host = await hostWith(exportingAdapter());
    const generator = new DenseGenerator({ latent: 3, height: 4, width: 5, channels: 3, batchNorm: false, weightScale: 1 });
    const before = tf.memory().numTensors;
    const dir = join(tmp, 'rgb');
    const { info } = await exportGenerator(host, generator, dir, { note: 'core test' });
    expect(info).toMatchObject({ adapter: 'test-dense', input: { kind: 'latent', latentSize: 3 }, output: { shape: [null, 4, 5, 3] }, source: { note: 'core test' } });

    const model = await loadExportedModel(join(dir, 'model.json'));
    const diff = tf.tidy(() => {
      const z = tf.randomNormal([6, 3], 0, 1, 'float32', 1);
      return tf.max(tf.abs(tf.sub(generator.generate(z), model.predict(z) as tf.Tensor))).dataSync()[0]!;
    });
    expect(diff).toBeLessThan(1e-6);

    const out = join(tmp, 'rgb-images');
    const done: number[] = [];
    const result = await generateImages({ model, modelPath: dir, count: 3, seed: 2, outDir: out, batchSize: 2, onProgress: (n) => done.push(n) });
    expect(result).toMatchObject({ written: 3, kept: 0, latentSize: 3, imageShape: { height: 4, width: 5, channels: 3 } });
    expect(done).toEqual([2, 3]);
    expect(readdirSync(out).sort()).toEqual(['00000.png', '00001.png', '00002.png', 'images.json']);
    const png = readFileSync(join(out, '00000.png'));
    expect(png[25]).toBe(2); // colour type 2: RGB
    const image = decodePng(png, 3);
    expect([image.width, image.height]).toEqual([5, 4]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    generator.dispose();
  });

  it('refuses, writing nothing, a model that differs from the generator or has the wrong output shape', async () => {
    const generator = new DenseGenerator({ latent: 3, height: 2, width: 2, batchNorm: false });
    const before = tf.memory().numTensors;
    const spoilt = join(tmp, 'spoilt');
    await expect(exportGenerator(await hostWith(exportingAdapter('weights')), generator, spoilt))
      .rejects.toThrow(/^test-dense: exported model differs from the generator in eval mode by 0\.0\d+ \(more than 0\.0001\)$/);
    await expect(exportGenerator(await hostWith(exportingAdapter('shape')), generator, spoilt))
      .rejects.toThrow('test-dense: exported model outputs [null, 4, 1, 1]; expected the generator\'s images [null, 2, 2, 1]');
    expect(existsSync(spoilt)).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    generator.dispose();
  });

  it('names the adapters that can export when the generator\'s cannot', async () => {
    const generator = new DenseGenerator({ latent: 3, height: 2, width: 2, batchNorm: false });
    const other = { ...exportingAdapter(), name: 'other-exporter' };
    await expect(exportGenerator(await hostWith(denseTestAdapter, other), generator, join(tmp, 'x')))
      .rejects.toThrow('adapter test-dense cannot export a standalone model; adapters that can: other-exporter');
    await expect(exportGenerator(await hostWith(denseTestAdapter), generator, join(tmp, 'x')))
      .rejects.toThrow('adapter test-dense cannot export a standalone model; adapters that can: none are loaded');
    generator.dispose();
  });
});
