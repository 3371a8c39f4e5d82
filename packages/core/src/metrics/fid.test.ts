import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Generator } from '../contracts/generator.js';
import type { ImageSource } from '../contracts/image-source.js';
import type { Key } from '../contracts/key.js';
import { mnistImageSource } from '../data/mnist.js';
import { useBackend } from '@attrib/testing/backend';
import { createRng } from '../util/rng.js';
import { loadFidClassifier } from './fid-classifier.js';
import { classifierAccuracy } from './fid-classifier-training.js';
import { loadMnistDigits, mnistSplitIndices } from '../data/mnist.js';
import { fid } from './fid.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** A stand-in generator whose "latents" are image indices into `data` within [from, from + count). */
function replay(data: ImageSource, from: number, count: number, transform: (x: tf.Tensor4D) => tf.Tensor4D = (x) => x): Generator {
  const g: Generator = {
    adapter: 'replay', config: {}, imageShape: data.shape, inputKind: 'latent', mode: 'eval', trainableVariables: [],
    setMode() {}, freeze() {}, clone: () => g, state: () => ({}), loadState() {}, dispose() {},
    sampleInputs: (n, rng) => tf.tensor1d(Array.from({ length: n }, () => from + rng.int(count)), 'int32'),
    generate: (inputs) => tf.tidy(() => transform(data.read(Array.from(inputs.dataSync())))),
  };
  return g;
}

describe('the shipped MNIST feature network', () => {
  it('classifies the held-out mnist test split with the accuracy recorded in its file (at least 0.96)', async () => {
    const { net, meta } = await loadFidClassifier();
    const digits = loadMnistDigits();
    const test = await mnistImageSource.open({ shape: { height: 32, width: 32, channels: 1 }, split: 'test' });
    const labels = Uint8Array.from(mnistSplitIndices(digits.labels, 'test'), (i) => digits.labels[i]!);
    const accuracy = classifierAccuracy(net, test, labels);
    expect(accuracy).toBeCloseTo(meta.testAccuracy as number, 2);
    expect(accuracy).toBeGreaterThanOrEqual(0.96);
    net.dispose();
  });
});

describe('fid metric', () => {
  it('is small between real digits and replayed real digits, larger for blurred and largest for blank images', async () => {
    const data = await mnistImageSource.open({ shape: { height: 32, width: 32, channels: 1 } });
    const keys = [{ id: 'key-1' }, { id: 'key-2' }] as unknown as Key[];
    const blank = replay(data, 0, 10_000, (x) => tf.fill(x.shape, -1) as tf.Tensor4D);
    const blurred = replay(data, 0, 10_000, (x) => tf.avgPool(x, 5, 1, 'same') as tf.Tensor4D);
    const result = await fid.compute({
      root: replay(data, 0, 10_000), generators: [blurred, blank], keys, data, rng: createRng(1), samples: 300, batchSize: 100,
    });
    const { root, mean } = result.summary;
    const perKey = (result.details!.perKey as { key: string; fid: number }[]).map((p) => p.fid);
    expect(perKey.length).toBe(2);
    expect(mean).toBeCloseTo((perKey[0]! + perKey[1]!) / 2, 6);
    // Real against real: only sampling noise.
    expect(root).toBeGreaterThanOrEqual(0);
    expect(perKey[0]!).toBeGreaterThan(3 * root!);
    expect(perKey[1]!).toBeGreaterThan(perKey[0]!);
    expect(result.details!.samples).toBe(300);
  });

  it('in parts (real, root, each generator), computed in any order, combines to exactly the whole result, with whole progress', async () => {
    const data = await mnistImageSource.open({ shape: { height: 32, width: 32, channels: 1 } });
    const keys = [{ id: 'key-1' }, { id: 'key-2' }] as unknown as Key[];
    const generators = [replay(data, 0, 5000, (x) => tf.avgPool(x, 3, 1, 'same') as tf.Tensor4D), replay(data, 5000, 5000)];
    const progress: [number, number][] = [];
    const ctx = { root: replay(data, 0, 10_000), generators, keys, data, rng: createRng(2), samples: 150, batchSize: 100 };
    const whole = await fid.compute({ ...ctx, progress: (done: number, total: number) => progress.push([done, total]) });
    expect(progress.at(-1)).toEqual([600, 600]);
    expect(progress.map(([done]) => done)).toEqual([...progress.map(([done]) => done)].sort((a, b) => a - b));
    const parts = fid.parts!;
    const count = parts.count(ctx);
    expect(count).toBe(4);
    const partials: unknown[] = [];
    for (const index of [3, 1, 0, 2]) partials[index] = await parts.compute(ctx, index, count);
    expect(parts.combine(ctx, partials)).toEqual(whole);
    expect(() => parts.combine(ctx, partials.slice(1))).toThrow('fid: 3 parts; expected 4');
  });
});
