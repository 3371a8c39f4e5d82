import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Generator } from '../contracts/generator.js';
import { LinearKey } from '../keys/linear-key.js';
import { useBackend } from '@attrib/testing/backend';
import { crashAt, weights } from '@attrib/testing/stage-helpers';
import { contrastPostProcess, posterizePostProcess } from '@attrib/testing/post-processes';
import { syntheticSetup, type SyntheticSetup } from '@attrib/testing/synthetic';
import { createRng } from '../util/rng.js';
import type { StageContext, TrainingEvent } from './context.js';
import { trainFirstStage } from './first-stage.js';
import { trainKeyedGenerator } from './generator-stage.js';
import { trainKey } from './key-stage.js';
import { trainRobustGenerator } from './robust-stage.js';
import { MemoryStateStore } from './state.js';

let setup: SyntheticSetup;
let key1: LinearKey;
let keyed: Generator;
beforeAll(async () => {
  await useBackend('cpu');
  setup = syntheticSetup(256);
  key1 = LinearKey.random('key-1', setup.root.imageShape, createRng(5));
  keyed = setup.root.clone();
});
afterAll(() => {
  keyed.dispose();
  key1.dispose();
  setup.dispose();
});

const short = { epochs: 2, stepsPerEpoch: 25, batchSize: 8 };

/** Runs `stage` for 2 x 25 steps and returns numTensors at every step; disposes what it returns. */
async function tensorCounts(run: (ctx: StageContext) => Promise<{ dispose: () => void }>): Promise<{ counts: number[]; before: number; after: number }> {
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const ctx: StageContext = {
    root: setup.root, data: setup.data, rng: createRng(1),
    onEvent: (e) => e.type === 'step' && counts.push(tf.memory().numTensors),
  };
  const made = await run(ctx);
  made.dispose();
  return { counts, before, after: tf.memory().numTensors };
}

describe('training stages free every tensor', () => {
  const stages: Record<string, (ctx: StageContext) => Promise<{ dispose: () => void }>> = {
    first: async (ctx) => {
      const r = await trainFirstStage(ctx, { ...short, checkSamples: 60 });
      return { dispose: () => (r.key.dispose(), r.generator.dispose()) };
    },
    keys: async (ctx) => {
      const r = await trainKey(ctx, [key1], 'key-2', { ...short, theory: true, normLimit: 100 });
      return { dispose: () => r.key.dispose() };
    },
    'generators (hinge)': async (ctx) => {
      const r = await trainKeyedGenerator(ctx, key1, { ...short, checkSamples: 60 });
      return { dispose: () => r.generator.dispose() };
    },
    'generators (shift)': async (ctx) => {
      const r = await trainKeyedGenerator(ctx, key1, { ...short, checkSamples: 60, objective: 'shift', shift: { stopWhenDistinguishable: false } });
      return { dispose: () => r.generator.dispose() };
    },
    robust: async (ctx) => {
      const r = await trainRobustGenerator(ctx, key1, keyed, contrastPostProcess(), { ...short, checkSamples: 60 });
      return { dispose: () => r.generator.dispose() };
    },
    'robust (othersWeight)': async (ctx) => {
      const other = LinearKey.random('key-2', setup.root.imageShape, createRng(6));
      const r = await trainRobustGenerator(ctx, key1, keyed, contrastPostProcess(), { ...short, checkSamples: 60, othersWeight: 1 }, 'contrast', [other]);
      return { dispose: () => (r.generator.dispose(), other.dispose()) };
    },
  };
  for (const [name, run] of Object.entries(stages)) {
    it(`${name}: the tensor count is the same at each of 50 steps, and back to the start at the end`, async () => {
      const { counts, before, after } = await tensorCounts(run);
      expect(counts).toHaveLength(50);
      expect(new Set(counts).size).toBe(1);
      expect(after).toBe(before);
    });
  }
});

describe('a resumed unit ends exactly where an uninterrupted one does', () => {
  const options = { epochs: 3, stepsPerEpoch: 6, batchSize: 8, checkSamples: 40 };

  it('first stage: key, generator (batch-norm statistics included) and optimizer state', async () => {
    const whole = await trainFirstStage({ root: setup.root, data: setup.data, rng: createRng(3) }, options);
    const store = new MemoryStateStore();
    const ctx = { root: setup.root, data: setup.data, rng: createRng(3), store };
    await expect(trainFirstStage({ ...ctx, onEvent: crashAt(1, 4) }, options)).rejects.toThrow('simulated crash');
    expect((await peek(store, 'first')).epochsDone).toBe(1);
    const resumed = await trainFirstStage(ctx, options);
    expect(Array.from(resumed.key.vector.dataSync())).toEqual(Array.from(whole.key.vector.dataSync()));
    expect(weights(resumed.generator)).toEqual(weights(whole.generator));
    expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    expect(resumed.history).toEqual(whole.history);
    for (const r of [whole, resumed]) (r.key.dispose(), r.generator.dispose());
    store.dispose();
  });

  it('keyed generator with the shift objective, gamma included', async () => {
    const shiftOptions = { ...options, objective: 'shift' as const, shift: { stopWhenDistinguishable: false } };
    const whole = await trainKeyedGenerator({ root: setup.root, data: setup.data, rng: createRng(4) }, key1, shiftOptions);
    const store = new MemoryStateStore();
    const ctx = { root: setup.root, data: setup.data, rng: createRng(4), store };
    await expect(trainKeyedGenerator({ ...ctx, onEvent: crashAt(2, 2) }, key1, shiftOptions)).rejects.toThrow('simulated crash');
    const resumed = await trainKeyedGenerator(ctx, key1, shiftOptions);
    expect(weights(resumed.generator)).toEqual(weights(whole.generator));
    expect(resumed.gamma).toBe(whole.gamma);
    expect(whole.history.map((h) => h.report.gamma)).toEqual(resumed.history.map((h) => h.report.gamma));
    for (const r of [whole, resumed]) r.generator.dispose();
    store.dispose();
  });

  it('key and robust units', async () => {
    const store = new MemoryStateStore();
    const ctx = { root: setup.root, data: setup.data, rng: createRng(6), store };
    const { checkSamples: _unused, ...keyOptions } = options;
    const whole = await trainKey({ ...ctx, store: undefined }, [key1], 'key-2', keyOptions);
    await expect(trainKey({ ...ctx, onEvent: crashAt(1, 1) }, [key1], 'key-2', keyOptions)).rejects.toThrow('simulated crash');
    const resumed = await trainKey(ctx, [key1], 'key-2', keyOptions);
    expect(Array.from(resumed.key.vector.dataSync())).toEqual(Array.from(whole.key.vector.dataSync()));

    const post = contrastPostProcess();
    const robustWhole = await trainRobustGenerator({ ...ctx, store: undefined }, key1, keyed, post, options);
    await expect(trainRobustGenerator({ ...ctx, onEvent: crashAt(2, 5) }, key1, keyed, post, options)).rejects.toThrow('simulated crash');
    const robustResumed = await trainRobustGenerator(ctx, key1, keyed, post, options);
    expect(weights(robustResumed.generator)).toEqual(weights(robustWhole.generator));
    tf.dispose([whole.key.vector, resumed.key.vector]);
    robustWhole.generator.dispose();
    robustResumed.generator.dispose();
    store.dispose();
  });
});

async function peek(store: MemoryStateStore, unit: string) {
  const state = (await store.load(unit))!;
  tf.dispose(Object.values(state.tensors));
  return state;
}

describe('robust training with othersWeight', () => {
  it("keeps the generator's post-processed samples authentic under the other keys, which the release's loss does not", async () => {
    const others = [6, 7].map((seed, i) => LinearKey.random(`key-${i + 2}`, setup.root.imageShape, createRng(seed)));
    const post = contrastPostProcess();
    const options = { epochs: 1, stepsPerEpoch: 40, batchSize: 8, checkSamples: 60 };
    /** Mean h(1 - phi_j.T(G(z))) over the other keys, on 200 fresh samples at evaluation strength. */
    const othersHinge = async (generator: Generator): Promise<number> => {
      const z = generator.sampleInputs(200, createRng(99));
      const images = generator.generate(z);
      const processed = (await post.apply(images, { mode: 'eval', rng: createRng(3) })) as tf.Tensor4D;
      const value = tf.tidy(() => tf.mean(tf.stack(others.map((k) => tf.mean(tf.relu(tf.sub(1, k.score(processed)))))))).dataSync()[0]!;
      tf.dispose([z, images, processed]);
      return value;
    };
    const ctx = () => ({ root: setup.root, data: setup.data, rng: createRng(12) });
    const release = await trainRobustGenerator(ctx(), key1, keyed, post, options, 'contrast', others);
    const weighted = await trainRobustGenerator(ctx(), key1, keyed, post, { ...options, othersWeight: 2 }, 'contrast', others);
    expect(release.history[0]!.losses).not.toHaveProperty('others');
    expect(weighted.history[0]!.losses['others']).toBeGreaterThan(0);
    const [withoutTerm, withTerm] = [await othersHinge(release.generator), await othersHinge(weighted.generator)];
    expect(withTerm).toBeLessThan(withoutTerm);
    [release.generator, weighted.generator, ...others].forEach((x) => x.dispose());
  });
});

describe('stage rules', () => {
  it('theory mode keys start at unit norm, and a key that keeps its norm >= the limit is an error after maxAttempts', async () => {
    const events: TrainingEvent[] = [];
    const ctx = { root: setup.root, data: setup.data, rng: createRng(8), onEvent: (e: TrainingEvent) => events.push(e) };
    // With no epochs the key keeps its initial norm, which theory mode sets to 1 (< 1.01).
    const fresh = await trainKey(ctx, [key1], 'key-2', { epochs: 0, theory: true });
    expect(tf.norm(fresh.key.vector).dataSync()[0]).toBeCloseTo(1, 5);
    fresh.key.dispose();
    await expect(trainKey(ctx, [key1], 'key-2', { epochs: 0, theory: true, normLimit: 0.5, maxAttempts: 3 })).rejects.toThrow(
      'key key-2: norm 1.0000 >= 0.5 after 3 trainings in theory mode; expected a unit-norm key (raise epochs or lrKey, or maxAttempts)',
    );
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
  });

  it('robust training rejects a post-process gradients cannot flow through', async () => {
    const ctx = { root: setup.root, data: setup.data, rng: createRng(8) };
    const before = tf.memory().numTensors;
    await expect(trainRobustGenerator(ctx, key1, keyed, posterizePostProcess())).rejects.toThrow(
      'post-process test-posterize is not differentiable; robust training needs one that gradients can flow through',
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('options are validated with the name, the value and what was expected', async () => {
    const ctx = { root: setup.root, data: setup.data, rng: createRng(8) };
    await expect(trainKey(ctx, [key1], 'key-2', { batchSize: -4 })).rejects.toThrow('keys option batchSize: got -4, expected a positive integer');
    await expect(trainKeyedGenerator(ctx, key1, { objective: 'magic' as never })).rejects.toThrow('generators option objective: got "magic", expected "hinge" or "shift"');
    await expect(trainFirstStage(ctx, { alhpa: 3 } as never)).rejects.toThrow(/first option alhpa: unknown/);
    await expect(trainRobustGenerator(ctx, key1, keyed, contrastPostProcess(), { othersWeight: -1 })).rejects.toThrow('robust option othersWeight: got -1, expected a non-negative number');
  });

  it('a key of the wrong size for the generator is refused', async () => {
    const small = LinearKey.random('key-9', { height: 2, width: 2, channels: 1 }, createRng(1));
    const ctx = { root: setup.root, data: setup.data, rng: createRng(8) };
    await expect(trainKeyedGenerator(ctx, small, {})).rejects.toThrow('key key-9 belongs to 2x2x1 images; the root generator makes 16x16x1');
    small.dispose();
  });
});
