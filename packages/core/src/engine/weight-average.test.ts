import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinearKey } from '../keys/linear-key.js';
import { useBackend } from '@attrib/testing/backend';
import { expectNoGrowth } from '@attrib/testing/no-growth';
import { crashAt, weights } from '@attrib/testing/stage-helpers';
import { syntheticSetup, type SyntheticSetup } from '@attrib/testing/synthetic';
import { createRng } from '../util/rng.js';
import { contrastPostProcess } from '@attrib/testing/post-processes';
import { trainFirstStage } from './first-stage.js';
import { trainKeyedGenerator } from './generator-stage.js';
import { trainRobustGenerator } from './robust-stage.js';
import { MemoryStateStore } from './state.js';
import { WeightAverage } from './weight-average.js';

let setup: SyntheticSetup;
let key1: LinearKey;
beforeAll(async () => {
  await useBackend('cpu');
  setup = syntheticSetup(256);
  key1 = LinearKey.random('key-1', setup.root.imageShape, createRng(5));
});
afterAll(() => {
  key1.dispose();
  setup.dispose();
});

/** The average written out in float64: a_t = d_t a_{t-1} + (1 - d_t) w_t, d_t = min(decay, (1 + t) / (10 + t)). */
function referenceAverage(start: number[], values: number[][], decay: number): number[] {
  const a = [...start];
  values.forEach((w, step) => {
    const t = step + 1;
    const d = Math.min(decay, (1 + t) / (10 + t));
    for (let i = 0; i < a.length; i++) a[i] = d * a[i]! + (1 - d) * w[i]!;
  });
  return a;
}

describe('WeightAverage', () => {
  it('follows the float64 recurrence, swaps in and out, and survives a save and load', () => {
    const variable = tf.variable(tf.tensor1d([0.5, -2, 3]));
    const average = new WeightAverage([variable], 0.9);
    const rng = createRng(3);
    const values = Array.from({ length: 40 }, () => [rng.uniform() * 4 - 2, rng.uniform() * 4 - 2, rng.uniform() * 4 - 2]);
    for (const w of values) {
      variable.assign(tf.tensor1d(w));
      average.update();
    }
    const expected = referenceAverage([0.5, -2, 3], values, 0.9);
    average.swapIn();
    const swapped = Array.from(variable.dataSync());
    swapped.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    average.restore();
    expect(Array.from(variable.dataSync())).toEqual(Array.from(Float32Array.from(values.at(-1)!)));

    const saved = average.state('ema');
    const loaded = new WeightAverage([variable], 0.9);
    loaded.loadState('ema', saved);
    expect(loaded.count).toBe(40);
    expect(loaded.nextDecay()).toBeCloseTo(Math.min(0.9, 42 / 51), 12);
    loaded.applyToVariables();
    expect(Array.from(variable.dataSync())).toEqual(swapped);
    tf.dispose(Object.values(saved));
    expect(() => loaded.loadState('ema', {})).toThrow('weight average ema: missing ema.count');
    loaded.dispose();
    average.dispose();
    variable.dispose();
  });

  it('the first updates follow the weights: d_1 = 2/11', () => {
    const variable = tf.variable(tf.tensor1d([0]));
    const average = new WeightAverage([variable], 0.999);
    expect(average.nextDecay()).toBeCloseTo(2 / 11, 12);
    variable.assign(tf.tensor1d([11]));
    average.update();
    average.swapIn();
    expect(variable.dataSync()[0]).toBeCloseTo(9, 5);
    average.restore();
    average.dispose();
    variable.dispose();
  });

  it('an update and a swap leave no tensor behind', () => {
    const variable = tf.variable(tf.ones([4, 4]));
    const average = new WeightAverage([variable], 0.99);
    average.update();
    expectNoGrowth(() => {
      average.update();
      average.swapIn();
      average.restore();
    });
    average.dispose();
    variable.dispose();
  });
});

const options = { epochs: 3, stepsPerEpoch: 6, batchSize: 8, checkSamples: 200, lr: 5e-2, lrDecay: 1, ema: 0.9 };

describe('generators with ema', () => {
  it('end at the average of their weights, which a resumed unit reproduces, freeing every tensor', async () => {
    const before = tf.memory().numTensors;
    const averaged = await trainKeyedGenerator({ root: setup.root, data: setup.data, rng: createRng(11) }, key1, options);
    const plain = await trainKeyedGenerator({ root: setup.root, data: setup.data, rng: createRng(11) }, key1, { ...options, ema: 0 });
    // Same steps, so the same draws: only the returned weights differ.
    expect(weights(averaged.generator)).not.toEqual(weights(plain.generator));
    const store = new MemoryStateStore();
    const ctx = { root: setup.root, data: setup.data, rng: createRng(11), store };
    await expect(trainKeyedGenerator({ ...ctx, onEvent: crashAt(2, 3) }, key1, options)).rejects.toThrow('simulated crash');
    const resumed = await trainKeyedGenerator(ctx, key1, options);
    expect(weights(resumed.generator)).toEqual(weights(averaged.generator));
    for (const r of [averaged, plain, resumed]) r.generator.dispose();
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ema is checked: 1 is refused naming the option', async () => {
    await expect(trainKeyedGenerator({ root: setup.root, data: setup.data, rng: createRng(11) }, key1, { ...options, ema: 1 }))
      .rejects.toThrow('generators option ema: got 1, expected a number in [0, 1)');
  });

  it('robust: the same, for a generator fine-tuned against a post-process', async () => {
    const before = tf.memory().numTensors;
    const base = await trainKeyedGenerator({ root: setup.root, data: setup.data, rng: createRng(11) }, key1, { ...options, ema: 0 });
    const robust = { epochs: 3, stepsPerEpoch: 6, batchSize: 8, checkSamples: 60, lr: 5e-2, lrDecay: 1, ema: 0.9 };
    const run = (ctx: Parameters<typeof trainRobustGenerator>[0], ema: number) => trainRobustGenerator(ctx, key1, base.generator, contrastPostProcess(), { ...robust, ema });
    const averaged = await run({ root: setup.root, data: setup.data, rng: createRng(12) }, 0.9);
    const plain = await run({ root: setup.root, data: setup.data, rng: createRng(12) }, 0);
    expect(weights(averaged.generator)).not.toEqual(weights(plain.generator));
    const store = new MemoryStateStore();
    const ctx = { root: setup.root, data: setup.data, rng: createRng(12), store };
    await expect(run({ ...ctx, onEvent: crashAt(1, 2) }, 0.9)).rejects.toThrow('simulated crash');
    const resumed = await run(ctx, 0.9);
    expect(weights(resumed.generator)).toEqual(weights(averaged.generator));
    for (const r of [base, averaged, plain, resumed]) r.generator.dispose();
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("first stage: the same for the first key's generator; the key is the trained one", async () => {
    const before = tf.memory().numTensors;
    const first = { epochs: 3, stepsPerEpoch: 6, batchSize: 8, checkSamples: 200, lr: 5e-2, lrKey: 0.05, lrDecay: 1 };
    const averaged = await trainFirstStage({ root: setup.root, data: setup.data, rng: createRng(13) }, { ...first, ema: 0.9 });
    const plain = await trainFirstStage({ root: setup.root, data: setup.data, rng: createRng(13) }, first);
    expect(Array.from(averaged.key.vector.dataSync())).toEqual(Array.from(plain.key.vector.dataSync()));
    expect(weights(averaged.generator)).not.toEqual(weights(plain.generator));
    const store = new MemoryStateStore();
    const ctx = { root: setup.root, data: setup.data, rng: createRng(13), store };
    await expect(trainFirstStage({ ...ctx, onEvent: crashAt(1, 2) }, { ...first, ema: 0.9 })).rejects.toThrow('simulated crash');
    const resumed = await trainFirstStage(ctx, { ...first, ema: 0.9 });
    expect(weights(resumed.generator)).toEqual(weights(averaged.generator));
    for (const r of [averaged, plain, resumed]) {
      r.generator.dispose();
      r.key.dispose();
    }
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
