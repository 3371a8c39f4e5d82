import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinearKey } from '../keys/linear-key.js';
import { projectedByBisection } from '@attrib/testing/projection-reference';
import { useBackend } from '@attrib/testing/backend';
import { weights } from '@attrib/testing/stage-helpers';
import { syntheticSetup, type SyntheticSetup } from '@attrib/testing/synthetic';
import { createRng } from '../util/rng.js';
import type { StageContext, TrainingEvent } from './context.js';
import { trainFirstStage } from './first-stage.js';
import { trainKeyedGenerator } from './generator-stage.js';
import { epochStreams } from './unit-loop.js';

let setup: SyntheticSetup;
let key: LinearKey;
beforeAll(async () => {
  await useBackend('cpu');
  setup = syntheticSetup(256);
  // A key under which the root's samples score well above +1, as a trained key does.
  const values = tf.tidy(() => {
    const mean = tf.mean(tf.reshape(setup.root.generate(setup.root.sampleInputs(256, createRng(3))), [256, -1]), 0) as tf.Tensor1D;
    // Scaled so the mean image scores 3, plus a little noise.
    const noise = tf.randomNormal([256], 0, 0.02, 'float32', 4) as tf.Tensor1D;
    return tf.add(tf.mul(mean, tf.div(3, tf.sum(tf.square(mean)))), noise) as tf.Tensor1D;
  });
  key = new LinearKey('key-1', setup.root.imageShape, values);
});
afterAll(() => {
  key.dispose();
  setup.dispose();
});


describe('the projected objective (issue 21)', () => {
  it("first step: the distance term is the MSE from G0(z) to its projection x* onto phi.x <= -margin, the hinge the release's", async () => {
    const margin = 1.5;
    const batchSize = 8;
    let first: Readonly<Record<string, number>> | undefined;
    const ctx: StageContext = {
      root: setup.root, data: setup.data, rng: createRng(1),
      onEvent: (e: TrainingEvent) => { if (e.type === 'step' && e.epoch === 0 && e.step === 1) first = e.losses; },
    };
    const result = await trainKeyedGenerator(ctx, key, {
      objective: 'projected', projectionMargin: margin, trainMode: 'eval', alpha: 7, epochs: 1, stepsPerEpoch: 2, batchSize, checkSamples: 20,
    });
    result.generator.dispose();
    // The first step's latents, as the stage draws them; before the first update G(z) = G0(z) in eval mode.
    const streams = epochStreams(createRng(1).fork('generators').fork('key-1'), 0);
    const rootImages = tf.tidy(() => setup.root.generate(setup.root.sampleInputs(batchSize, streams.inputs)));
    const rows = Array.from(rootImages.dataSync());
    rootImages.dispose();
    const phi = Array.from(key.vector.dataSync());
    const d = phi.length;
    let squared = 0;
    let hinge = 0;
    for (let k = 0; k < batchSize; k++) {
      const x0 = rows.slice(k * d, (k + 1) * d);
      const target = projectedByBisection(x0, phi, margin);
      squared += x0.reduce((s, x, i) => s + (x - target[i]!) ** 2, 0);
      hinge += Math.max(0, 1 + x0.reduce((s, x, i) => s + x * phi[i]!, 0));
    }
    const distance = squared / (batchSize * d);
    expect(distance).toBeGreaterThan(0.01);
    expect(first!.distance).toBeCloseTo(distance, 5);
    expect(first!.hinge).toBeCloseTo(hinge / batchSize, 3);
    expect(first!.total).toBeCloseTo(hinge / batchSize + 7 * distance, 3);
  });

  it("first step with othersWeight: the earlier keys' term is mean_j h(1 - phi_j.G0(z)), added with its weight", async () => {
    const batchSize = 8;
    const earlier = [1, 2].map((seed) => LinearKey.random(`key-0${seed}`, setup.root.imageShape, createRng(40 + seed)));
    let first: Readonly<Record<string, number>> | undefined;
    const ctx: StageContext = {
      root: setup.root, data: setup.data, rng: createRng(1),
      onEvent: (e: TrainingEvent) => { if (e.type === 'step' && e.epoch === 0 && e.step === 1) first = e.losses; },
    };
    const result = await trainKeyedGenerator(ctx, key, {
      objective: 'projected', trainMode: 'eval', alpha: 7, othersWeight: 3, epochs: 1, stepsPerEpoch: 2, batchSize, checkSamples: 20,
    }, earlier);
    result.generator.dispose();
    const streams = epochStreams(createRng(1).fork('generators').fork('key-1'), 0);
    const rootImages = tf.tidy(() => setup.root.generate(setup.root.sampleInputs(batchSize, streams.inputs)));
    const rows = Array.from(rootImages.dataSync());
    rootImages.dispose();
    const d = key.vector.size;
    let others = 0;
    for (const other of earlier) {
      const phi = Array.from(other.vector.dataSync());
      for (let k = 0; k < batchSize; k++) {
        const score = rows.slice(k * d, (k + 1) * d).reduce((s, x, i) => s + x * phi[i]!, 0);
        others += Math.max(0, 1 - score) / (batchSize * earlier.length);
      }
    }
    earlier.forEach((k) => k.dispose());
    expect(others).toBeGreaterThan(0.1);
    expect(first!.others).toBeCloseTo(others, 3);
    expect(first!.total).toBeCloseTo(first!.hinge! + 7 * first!.distance! + 3 * others, 3);
  });

  it('trainMode eval leaves the batch-norm running statistics at the root\'s; train mode moves them', async () => {
    const rootWeights = weights(setup.root);
    const runningNames = Object.keys(rootWeights).filter((n) => /running/.test(n));
    expect(runningNames.length).toBeGreaterThan(0);
    for (const trainMode of ['eval', 'train'] as const) {
      const ctx: StageContext = { root: setup.root, data: setup.data, rng: createRng(2) };
      const result = await trainKeyedGenerator(ctx, key, { objective: 'projected', trainMode, epochs: 1, stepsPerEpoch: 5, batchSize: 8, checkSamples: 20 });
      const after = weights(result.generator);
      result.generator.dispose();
      const same = runningNames.every((n) => after[n]!.every((v, i) => v === rootWeights[n]![i]));
      expect(same).toBe(trainMode === 'eval');
    }
  });

  it('moves the samples to the keyed side, and the stages free every tensor step by step', async () => {
    for (const stage of ['generators', 'first'] as const) {
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      const ctx: StageContext = {
        root: setup.root, data: setup.data, rng: createRng(3),
        onEvent: (e) => e.type === 'step' && counts.push(tf.memory().numTensors),
      };
      const options = { objective: 'projected' as const, trainMode: 'eval' as const, alpha: 10, lr: 2e-2, epochs: 2, stepsPerEpoch: 25, batchSize: 8, checkSamples: 200 };
      const result = stage === 'generators'
        ? await trainKeyedGenerator(ctx, key, options)
        : await trainFirstStage(ctx, options);
      const last = result.history.at(-1)!.report;
      result.generator.dispose();
      if ('key' in result) result.key.dispose();
      expect(counts).toHaveLength(50);
      expect(new Set(counts).size).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
      // No root sample scores <= -1 under the key; after 50 steps most of the keyed generator's do.
      // (The first stage's key starts at random, so its distinguishability is still low here.)
      expect(last.keyedShare).toBeGreaterThan(stage === 'first' ? 0.95 : 0.7);
      if (stage === 'generators') expect(last.distinguishability).toBeGreaterThan(0.95);
    }
  });

  it('the first stage refuses the shift objective with a one-line error', async () => {
    const ctx: StageContext = { root: setup.root, data: setup.data, rng: createRng(4) };
    await expect(trainFirstStage(ctx, { objective: 'shift' as never })).rejects.toThrow('first option objective: got "shift", expected "hinge" or "projected"');
  });
});
