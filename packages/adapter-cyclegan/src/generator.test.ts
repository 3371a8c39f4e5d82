import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPluginHost, createRng, loadGenerator, saveGenerator, type ImageSource, type NamedTensors } from '@attrib/core';
import { cycleganAdapter } from './adapter.js';
import { CycleganGenerator } from './generator.js';
import plugin from './plugin.js';
import { resolveCycleganConfig } from './config.js';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

/** An image source over a fixed table of images: image i has every value equal to i / size - 0.5 plus a ramp. */
function tableSource(size: number, height: number, width: number, channels: number): ImageSource & { dispose(): void } {
  const d = height * width * channels;
  const values = Float32Array.from({ length: size * d }, (_, j) => Math.floor(j / d) / size - 0.5 + ((j % d) / d) * 0.1);
  const table = tf.tensor2d(values, [size, d]);
  return {
    description: 'table',
    shape: { height, width, channels },
    size,
    read: (indices) => tf.tidy(() => tf.reshape(tf.gather(table, tf.tensor1d([...indices], 'int32')), [indices.length, height, width, channels]) as tf.Tensor4D),
    dispose: () => table.dispose(),
  };
}

const TINY = { ngf: 2, blocks: 1, height: 8, width: 12, inputChannels: 3, outputChannels: 1 };

describe('CycleganGenerator', () => {
  let inputs: ReturnType<typeof tableSource>;
  beforeAll(async () => {
    await useBackend('cpu');
    inputs = tableSource(5, 8, 12, 3);
  });
  afterAll(() => inputs.dispose());

  it('create takes the image size from the input images and draws its inputs from them', () => {
    const generator = cycleganAdapter.create({ ngf: 2, blocks: 1, outputChannels: 1 }, { inputs }) as CycleganGenerator;
    expect(generator.inputKind).toBe('image');
    expect(generator.imageShape).toEqual({ height: 8, width: 12, channels: 1 });
    expect(generator.mode).toBe('eval');
    const batch = generator.sampleInputs(7, createRng(3));
    expect(batch.shape).toEqual([7, 8, 12, 3]);
    // The drawn inputs are the source's images rng.int(size) picks (an image's first value names it).
    const firsts = tf.tidy(() => tf.reshape(tf.slice(batch, [0, 0, 0, 0], [7, 1, 1, 1]), [7]).arraySync() as number[]);
    const drawn = firsts.map((v) => (v + 0.5) * 5);
    const rng = createRng(3);
    const expected = Array.from({ length: 7 }, () => rng.int(5));
    expect(maxAbsDiff(drawn, expected)).toBeLessThan(1e-5);
    // The same rng state draws the same images.
    const again = generator.sampleInputs(7, createRng(3));
    expect(maxAbsDiff(batch.dataSync(), again.dataSync())).toBe(0);
    const images = generator.generate(batch);
    expect(images.shape).toEqual([7, 8, 12, 1]);
    const range = images.dataSync();
    expect(Math.max(...range)).toBeLessThanOrEqual(1);
    expect(Math.min(...range)).toBeGreaterThanOrEqual(-1);
    tf.dispose([batch, again, images]);
    generator.dispose();
  });

  it('refuses inputs of another shape, a mismatched input source and sampling without one', () => {
    const generator = new CycleganGenerator(resolveCycleganConfig(TINY));
    const wrong = tf.zeros([1, 8, 8, 3]);
    expect(() => generator.generate(wrong)).toThrow('cyclegan: inputs of shape [1, 8, 8, 3]; expected [N, 8, 12, 3] (NHWC source-domain images)');
    expect(() => generator.sampleInputs(2, createRng(1))).toThrow(/no source-domain images to draw inputs from/);
    expect(() => new CycleganGenerator(resolveCycleganConfig({ ...TINY, inputChannels: 1 }), inputs)).toThrow(
      'cyclegan: input images table are 8x12x3; the generator maps 8x12x1');
    expect(() => resolveCycleganConfig({ height: 10 })).toThrow("cyclegan: setting 'height' must be a multiple of 4 and at least 8, got 10");
    expect(() => resolveCycleganConfig({ ngfs: 4 })).toThrow(/unknown setting 'ngfs'/);
    wrong.dispose();
    generator.dispose();
  });

  it('state() uses the reference names and layouts; loadState checks names and shapes before assigning', () => {
    const generator = new CycleganGenerator(resolveCycleganConfig(TINY));
    const state = generator.state();
    expect(Object.keys(state)).toEqual([
      'model.1.weight', 'model.1.bias', 'model.4.weight', 'model.4.bias', 'model.7.weight', 'model.7.bias',
      'model.10.conv_block.1.weight', 'model.10.conv_block.1.bias', 'model.10.conv_block.5.weight', 'model.10.conv_block.5.bias',
      'model.11.weight', 'model.11.bias', 'model.14.weight', 'model.14.bias', 'model.18.weight', 'model.18.bias',
    ]);
    expect(state['model.1.weight']!.shape).toEqual([2, 3, 7, 7]);
    expect(state['model.11.weight']!.shape).toEqual([8, 4, 3, 3]); // ConvTranspose2d: [in, out, k, k]
    expect(state['model.18.weight']!.shape).toEqual([1, 2, 7, 7]);
    const before = generator.state();
    const bad = (patch: NamedTensors, omit?: string): NamedTensors => {
      const copy: NamedTensors = { ...state, ...patch };
      if (omit) delete copy[omit];
      return copy;
    };
    const misShaped = tf.zeros([4, 8, 3, 3]);
    const stray = tf.zeros([2]);
    expect(() => generator.loadState(bad({}, 'model.7.bias'))).toThrow("cyclegan: state has no entry 'model.7.bias' (expected shape [8])");
    expect(() => generator.loadState(bad({ 'model.11.weight': misShaped }))).toThrow("cyclegan: entry 'model.11.weight' has shape [4, 8, 3, 3]; expected [8, 4, 3, 3]");
    // Running statistics are only dropped at instance-norm positions.
    expect(() => generator.loadState(bad({ 'model.1.running_mean': stray }))).toThrow("cyclegan: state has an unexpected entry 'model.1.running_mean'");
    const after = generator.state();
    for (const name of Object.keys(before)) expect(maxAbsDiff(before[name]!.dataSync(), after[name]!.dataSync())).toBe(0);
    generator.loadState(bad({ 'model.2.running_mean': stray, 'model.10.conv_block.6.num_batches_tracked': tf.scalar(3, 'int32') }));
    tf.dispose([...Object.values(state), ...Object.values(before), ...Object.values(after), misShaped, stray]);
    generator.dispose();
  });

  it('clone is independent and keeps mode and inputs; freeze empties the trainable variables', () => {
    const generator = cycleganAdapter.create({ ...TINY, seed: 4 }, { inputs }) as CycleganGenerator;
    generator.setMode('train');
    const copy = generator.clone();
    expect(copy.mode).toBe('train');
    expect(copy.inputs).toBe(inputs);
    const x = generator.sampleInputs(2, createRng(9));
    const a = generator.generate(x);
    expect(maxAbsDiff(a.dataSync(), copy.generate(x).dataSync())).toBe(0);
    copy.trainableVariables[0]!.assign(tf.add(copy.trainableVariables[0]!, 0.5));
    const b = copy.generate(x);
    const a2 = generator.generate(x);
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(a.dataSync(), a2.dataSync())).toBe(0);
    expect(generator.trainableVariables.length).toBe(16);
    generator.freeze();
    expect(generator.trainableVariables).toEqual([]);
    const thaw = generator.clone();
    expect(thaw.trainableVariables.length).toBe(16);
    tf.dispose([x, a, b, a2]);
    [generator, copy, thaw].forEach((g) => g.dispose());
  });

  it('round-trips through core generator files and registers as a plugin', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cyclegan-'));
    try {
      const generator = cycleganAdapter.create({ ...TINY, seed: 2 }, { inputs }) as CycleganGenerator;
      const file = join(dir, 'g.ckpt');
      await saveGenerator(file, generator);
      const host = createPluginHost();
      await host.register(plugin, { name: '@attrib/adapter-cyclegan' });
      expect(host.imageSource('unaligned').name).toBe('unaligned');
      const { generator: loaded } = await loadGenerator(file, (name) => host.adapter(name), { inputs });
      const x = generator.sampleInputs(3, createRng(1));
      const a = generator.generate(x);
      const b = loaded.generate(x);
      expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
      expect(loaded.config).toEqual(generator.config);
      tf.dispose([x, a, b]);
      generator.dispose();
      loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('creating, cloning and disposing generators leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const generator = cycleganAdapter.create({ ...TINY, seed: 6 }, { inputs });
    expect(tf.memory().numTensors - before).toBe(16); // 8 convolutions, a filter and a bias each
    const copy = generator.clone();
    copy.dispose();
    generator.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a training loop over the generator does not leak tensors', () => {
    const generator = cycleganAdapter.create({ ...TINY, seed: 5 }, { inputs }) as CycleganGenerator;
    generator.setMode('train');
    const optimizer = tf.train.adam(1e-3);
    const rng = createRng(8);
    const step = (): void => {
      const x = generator.sampleInputs(2, rng);
      const cost = optimizer.minimize(() => tf.mean(tf.square(generator.generate(x))) as tf.Scalar, true, [...generator.trainableVariables]);
      cost?.dispose();
      x.dispose();
    };
    step();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) step();
    expect(tf.memory().numTensors).toBe(count);
    optimizer.dispose();
    generator.dispose();
  });
});
