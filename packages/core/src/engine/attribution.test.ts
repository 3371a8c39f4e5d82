import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Generator } from '../contracts/generator.js';
import type { Key } from '../contracts/key.js';
import type { MetricContext } from '../contracts/metric.js';
import { attributability } from '../metrics/attributability.js';
import { distinguishability } from '../metrics/distinguishability.js';
import { useBackend } from '@attrib/testing/backend';
import { syntheticSetup, type SyntheticSetup } from '@attrib/testing/synthetic';
import { createRng } from '../util/rng.js';
import { trainFirstStage } from './first-stage.js';
import { trainKeyedGenerator } from './generator-stage.js';
import { trainKeys } from './key-stage.js';

// The method end to end on a problem small enough for seconds: 16x16 grey images from a dense
// generator with batch norm, 1,024 real images the root imitates. Losses, optimizers, batch
// sizes (but the keys') and learning-rate decays are the release's defaults; the learning rates
// are raised and the keys' batch lowered because 1,024 images give 64 steps an epoch where MNIST
// gives 3,750.
const FIRST = { epochs: 5, lrKey: 0.02, lr: 0.005 };
const KEYS = { epochs: 5, batchSize: 32, lrKey: 0.03 };
const GENERATORS = { epochs: 5, lr: 0.005 };

let setup: SyntheticSetup;
beforeAll(async () => {
  await useBackend('wasm');
  setup = syntheticSetup(1024);
});
afterAll(() => setup.dispose());

function cosine(a: Key, b: Key): number {
  return tf.tidy(() => tf.div(tf.dot(a.vector, b.vector), tf.mul(tf.norm(a.vector), tf.norm(b.vector))).dataSync()[0]!);
}

describe('three keys and three keyed generators', () => {
  it('reach distinguishability >= 0.99 and attributability >= 0.99 with keys at 90 degrees (|cos| <= 0.05)', async () => {
    const ctx = { root: setup.root, data: setup.data, rng: createRng(2021) };
    const first = await trainFirstStage(ctx, FIRST);
    const more = await trainKeys(ctx, [first.key], ['key-2', 'key-3'], KEYS);
    const keys: Key[] = [first.key, ...more.map((m) => m.key)];
    const generators: Generator[] = [first.generator];
    for (const key of keys.slice(1)) generators.push((await trainKeyedGenerator(ctx, key, GENERATORS)).generator);

    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) expect(Math.abs(cosine(keys[i]!, keys[j]!))).toBeLessThanOrEqual(0.05);
    const metricCtx: MetricContext = { root: setup.root, generators, keys, data: setup.data, rng: createRng(7) };
    const d = await distinguishability.compute(metricCtx);
    const a = await attributability.compute(metricCtx);
    expect(d.summary.mean).toBeGreaterThanOrEqual(0.99);
    expect(a.summary.mean).toBeGreaterThanOrEqual(0.99);
    tf.dispose(keys.map((k) => k.vector));
    generators.forEach((g) => g.dispose());
  });

  it('with the cosine-target term, every pair of keys sits near cos = 0.7', async () => {
    const ctx = { root: setup.root, data: setup.data, rng: createRng(2022) };
    const first = await trainFirstStage(ctx, { ...FIRST, epochs: 1 });
    first.generator.dispose();
    const more = await trainKeys(ctx, [first.key], ['key-2', 'key-3'], { ...KEYS, epochs: 10, lrKey: 0.05, angleTerm: 'cosine', cosineTarget: 0.7 });
    const keys: Key[] = [first.key, ...more.map((m) => m.key)];
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) expect(Math.abs(cosine(keys[i]!, keys[j]!) - 0.7)).toBeLessThanOrEqual(0.02);
    keys.forEach((k) => k.dispose());
  });

  it('the shift objective reaches 0.99 distinguishability and stops early', async () => {
    const ctx = { root: setup.root, data: setup.data, rng: createRng(2023) };
    const first = await trainFirstStage(ctx, { ...FIRST, epochs: 2 });
    first.generator.dispose();
    const result = await trainKeyedGenerator(ctx, first.key, { epochs: 12, lr: 0.02, lrDecay: 0.9, objective: 'shift' });
    const last = result.history.at(-1)!;
    expect(last.report.distinguishability).toBeGreaterThanOrEqual(0.99);
    expect(result.history.length).toBeLessThan(12);
    // gamma grew by 1.1 after each epoch that missed the target
    result.history.slice(1).forEach((h, i) => expect(h.report.gamma).toBeCloseTo(result.history[i]!.report.gamma! * 1.1, 4));
    const d = await distinguishability.compute({ root: setup.root, generators: [result.generator], keys: [first.key], data: setup.data, rng: createRng(1) });
    expect(d.summary.mean).toBeGreaterThanOrEqual(0.99);
    result.generator.dispose();
    first.key.dispose();
  });
});
