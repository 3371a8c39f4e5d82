import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinearKey } from '../keys/linear-key.js';
import { useBackend } from '@attrib/testing/backend';
import { crashAt, weights } from '@attrib/testing/stage-helpers';
import { syntheticSetup, type SyntheticSetup } from '@attrib/testing/synthetic';
import { createRng } from '../util/rng.js';
import { BestEpoch } from './best-epoch.js';
import type { EpochRecord } from './context.js';
import { trainFirstStage } from './first-stage.js';
import { trainKeyedGenerator } from './generator-stage.js';
import { MemoryStateStore } from './state.js';

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

/** The epoch a keep-best stage must end at, read from its history: highest distinguishability, the later on a tie. */
function bestOf(history: readonly EpochRecord[]): number {
  let best = 0;
  history.forEach((record, epoch) => {
    if (record.report.distinguishability! >= history[best]!.report.distinguishability!) best = epoch;
  });
  return best;
}

describe('BestEpoch', () => {
  it('keeps the highest score, a later epoch winning a tie, and frees what it replaces', () => {
    const before = tf.memory().numTensors;
    const best = new BestEpoch();
    const offer = (epoch: number, score: number) => best.offer(epoch, score, () => ({ w: tf.scalar(epoch) }));
    expect(offer(0, 0.9)).toBe(true);
    expect(offer(1, 0.8)).toBe(false);
    expect(offer(2, 0.9)).toBe(true);
    expect(offer(3, 0.95)).toBe(true);
    expect(offer(4, Number.NaN)).toBe(false);
    expect([best.epoch, best.score, best.kept.w!.dataSync()[0]]).toEqual([3, 0.95, 3]);
    expect(tf.memory().numTensors).toBe(before + 1);
    const saved = best.snapshot();
    const restored = new BestEpoch();
    restored.restore(saved, best.meta());
    expect([restored.epoch, restored.score, restored.kept.w!.dataSync()[0]]).toEqual([3, 0.95, 3]);
    tf.dispose(Object.values(saved));
    best.dispose();
    restored.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a saved state that names a best epoch without its weights is an error', () => {
    expect(() => new BestEpoch().restore({}, { bestEpoch: 1, bestScore: 0.9 })).toThrow('saved state: best epoch 1 recorded but its weights are missing');
  });
});

// lr 5e-2 on the tiny synthetic model makes the checks move between epochs, so the best epoch is
// not the last one (the tests assert that, or they would not test the restore).
const generatorOptions = { epochs: 4, stepsPerEpoch: 6, batchSize: 8, checkSamples: 200, lr: 5e-2, lrDecay: 1, keepBest: true };

describe('keepBest: a stage ends at the weights of its best check', () => {
  it('keyed generator: the weights are those of a run stopped after the best epoch', async () => {
    const ctx = () => ({ root: setup.root, data: setup.data, rng: createRng(11) });
    const kept = await trainKeyedGenerator(ctx(), key1, generatorOptions);
    const best = bestOf(kept.history);
    expect(best).toBeLessThan(kept.history.length - 1);
    expect(kept.keptEpoch).toBe(best);
    const stopped = await trainKeyedGenerator(ctx(), key1, { ...generatorOptions, epochs: best + 1, keepBest: false });
    expect(weights(kept.generator)).toEqual(weights(stopped.generator));
    const last = await trainKeyedGenerator(ctx(), key1, { ...generatorOptions, keepBest: false });
    expect(last.keptEpoch).toBeUndefined();
    expect(weights(last.generator)).not.toEqual(weights(kept.generator));
    for (const r of [kept, stopped, last]) r.generator.dispose();
  });

  it('keyed generator: a resumed unit keeps the same epoch, and frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const whole = await trainKeyedGenerator({ root: setup.root, data: setup.data, rng: createRng(11) }, key1, generatorOptions);
    const store = new MemoryStateStore();
    const ctx = { root: setup.root, data: setup.data, rng: createRng(11), store };
    await expect(trainKeyedGenerator({ ...ctx, onEvent: crashAt(bestOf(whole.history) + 1, 3) }, key1, generatorOptions)).rejects.toThrow('simulated crash');
    const resumed = await trainKeyedGenerator(ctx, key1, generatorOptions);
    expect(resumed.keptEpoch).toBe(whole.keptEpoch);
    expect(weights(resumed.generator)).toEqual(weights(whole.generator));
    for (const r of [whole, resumed]) r.generator.dispose();
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('first stage: the key and generator are those of a run stopped after the best epoch', async () => {
    const options = { epochs: 4, stepsPerEpoch: 6, batchSize: 8, checkSamples: 200, lr: 5e-3, lrKey: 0.05, lrDecay: 1, keepBest: true };
    const ctx = () => ({ root: setup.root, data: setup.data, rng: createRng(12) });
    const kept = await trainFirstStage(ctx(), options);
    const best = bestOf(kept.history);
    expect(best).toBeLessThan(kept.history.length - 1);
    expect(kept.keptEpoch).toBe(best);
    const stopped = await trainFirstStage(ctx(), { ...options, epochs: best + 1, keepBest: false });
    expect(Array.from(kept.key.vector.dataSync())).toEqual(Array.from(stopped.key.vector.dataSync()));
    expect(weights(kept.generator)).toEqual(weights(stopped.generator));
    for (const r of [kept, stopped]) (r.key.dispose(), r.generator.dispose());
  });
});

describe('keepBest with the earlier keys: a sample an earlier key claims is a miss', () => {
  const options = { epochs: 3, stepsPerEpoch: 4, batchSize: 8, checkSamples: 100, lr: 5e-2, lrDecay: 1 };
  const ctx = () => ({ root: setup.root, data: setup.data, rng: createRng(11) });

  it('an earlier key equal to the own key leaves no sample attributable; its negation leaves those the own key claims', async () => {
    const negated = new LinearKey('key-0', setup.root.imageShape, tf.neg(key1.vector) as tf.Tensor1D);
    const plain = await trainKeyedGenerator(ctx(), key1, options);
    const same = await trainKeyedGenerator(ctx(), key1, options, [key1]);
    const opposite = await trainKeyedGenerator(ctx(), key1, options, [negated]);
    expect(plain.history.every((h) => h.report.attributable === undefined)).toBe(true);
    expect(same.history.map((h) => h.report.attributable)).toEqual([0, 0, 0]);
    // With phi_0 = -phi, "phi.x < 0 and phi_0.x > 0" is "phi.x < 0", so attributable = 2 d - r
    // for every epoch, r being the share of real images the key scores positive (fixed in the stage).
    const realPositive = 2 * opposite.history[0]!.report.distinguishability! - opposite.history[0]!.report.attributable!;
    expect(realPositive).toBeGreaterThan(0);
    expect(realPositive).toBeLessThanOrEqual(1);
    for (const [i, h] of opposite.history.entries()) {
      expect(h.report.distinguishability).toBe(plain.history[i]!.report.distinguishability);
      expect(h.report.attributable).toBeCloseTo(2 * h.report.distinguishability! - realPositive, 10);
    }
    // The check only reads the earlier keys: training is the same.
    expect(weights(same.generator)).toEqual(weights(plain.generator));
    for (const r of [plain, same, opposite]) r.generator.dispose();
    negated.dispose();
  });

  it('keepBest ranks epochs by that share: with the own key as an earlier one every epoch ties, and the last is kept', async () => {
    const kept = await trainKeyedGenerator(ctx(), key1, { ...options, keepBest: true }, [key1]);
    expect(kept.keptEpoch).toBe(2);
    kept.generator.dispose();
  });
});
