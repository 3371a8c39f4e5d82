import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinearKey } from '../keys/linear-key.js';
import { projectOntoKeyedSide } from '../keys/projection.js';
import { useBackend } from '@attrib/testing/backend';
import { syntheticSetup, type SyntheticSetup } from '@attrib/testing/synthetic';
import { createRng } from '../util/rng.js';
import { ceilingHinge } from './losses.js';
import { trainFirstStage } from './first-stage.js';
import { trainKey } from './key-stage.js';
import type { StageContext } from './context.js';

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

/** The root's scores under `key` on 200 fresh samples, and their mean floor (projection distance). */
function rootScoresAndFloor(key: LinearKey): { scores: number[]; floor: number } {
  const images = tf.tidy(() => setup.root.generate(setup.root.sampleInputs(200, createRng(77))));
  const scores = Array.from(tf.tidy(() => key.score(images).dataSync()));
  const values = images.dataSync();
  const phi = key.vector.dataSync();
  const d = phi.length;
  let floor = 0;
  for (let k = 0; k < 200; k++) floor += projectOntoKeyedSide(values.subarray(k * d, (k + 1) * d), phi, 1).distance;
  images.dispose();
  return { scores, floor: floor / 200 };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const positive = (v: number[]) => v.filter((x) => x > 0).length / v.length;

describe('the score ceiling of the key stages (issue 21)', () => {
  it('ceilingHinge is mean max(0, s - c)', () => {
    const value = tf.tidy(() => ceilingHinge(tf.tensor1d([0, 2, 3.5, 10]), 3).dataSync()[0]!);
    expect(value).toBeCloseTo((0 + 0 + 0.5 + 7) / 4, 6);
  });

  it("keeps the root's scores between +1 and the ceiling, and with them the floor, where the release's loss leaves them far past +1", async () => {
    const options = { epochs: 4, stepsPerEpoch: 100, batchSize: 64, lrKey: 2e-2, lrDecay: 1 };
    const results: Record<string, { scores: number[]; floor: number }> = {};
    for (const ceiling of [0, 3]) {
      const ctx: StageContext = { root: setup.root, data: setup.data, rng: createRng(8) };
      const before = tf.memory().numTensors;
      const { key } = await trainKey(ctx, [key1], 'key-2', { ...options, scoreCeiling: ceiling });
      results[ceiling] = rootScoresAndFloor(key);
      key.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    const release = results[0]!;
    const capped = results[3]!;
    // (On these synthetic images a linear key cannot hold every sample in [1, 3]: some 3 in 4
    // score above 0 here against 49 in 50 with the release's loss. MNIST is measured in docs/results/quality.md.)
    expect(positive(capped.scores)).toBeGreaterThan(0.6);
    expect(mean(capped.scores)).toBeGreaterThan(1);
    expect(mean(capped.scores)).toBeLessThan(3.5);
    expect(mean(release.scores)).toBeGreaterThan(6);
    expect(capped.floor).toBeLessThan(release.floor / 2);
  });

  it('the first stage takes it too', async () => {
    const ctx: StageContext = { root: setup.root, data: setup.data, rng: createRng(9) };
    const result = await trainFirstStage(ctx, { epochs: 2, stepsPerEpoch: 40, batchSize: 16, lrKey: 1e-2, scoreCeiling: 3, checkSamples: 50 });
    const { scores } = rootScoresAndFloor(result.key);
    result.key.dispose();
    result.generator.dispose();
    expect(mean(scores)).toBeLessThan(3.5);
    expect(mean(scores)).toBeGreaterThan(0.5);
  });
});
