import * as tf from '@tensorflow/tfjs-core';
import { createRng, type NamedTensors } from '@attrib/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveDcganConfig } from './config.js';
import { DcganGenerator } from './generator.js';
import { dcganGeneratorRef, fromNhwc } from '@attrib/testing/dcgan-reference-ops';
import { maxAbsDiff } from '@attrib/testing/backend';
import { useBackend } from '@attrib/testing/backend';

beforeAll(async () => {
  await useBackend('cpu');
});

function snapshot(state: NamedTensors): Record<string, { shape: readonly number[]; values: Float32Array }> {
  const out: Record<string, { shape: readonly number[]; values: Float32Array }> = {};
  for (const [name, t] of Object.entries(state)) out[name] = { shape: t.shape, values: Float32Array.from(t.dataSync()) };
  return out;
}

/** Random running statistics, so evaluation mode is tested with non-trivial values. */
function randomiseRunningStats(g: DcganGenerator, seed: number): void {
  const state = g.state();
  const rng = createRng(seed);
  for (const name of Object.keys(state)) {
    if (name.endsWith('running_mean')) {
      const v = state[name]!;
      state[name] = tf.randomNormal(v.shape, 0, 0.5, 'float32', rng.seed());
      v.dispose();
    } else if (name.endsWith('running_var')) {
      const v = state[name]!;
      state[name] = tf.randomUniform(v.shape, 0.5, 2, 'float32', rng.seed());
      v.dispose();
    }
  }
  g.loadState(state);
  tf.dispose(Object.values(state));
}

describe('DcganGenerator layouts', () => {
  it('has the reference state-dict names and PyTorch shapes for the 32x32 theory variant', () => {
    const g = new DcganGenerator(resolveDcganConfig({ resolution: 32, channels: 1 }));
    const state = g.state();
    const shapes = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      'convT1.weight': [100, 256, 4, 4],
      'batch1.weight': [256], 'batch1.bias': [256], 'batch1.running_mean': [256], 'batch1.running_var': [256], 'batch1.num_batches_tracked': [],
      'convT2.weight': [256, 128, 4, 4],
      'batch2.weight': [128], 'batch2.bias': [128], 'batch2.running_mean': [128], 'batch2.running_var': [128], 'batch2.num_batches_tracked': [],
      'convT3.weight': [128, 64, 4, 4],
      'batch3.weight': [64], 'batch3.bias': [64], 'batch3.running_mean': [64], 'batch3.running_var': [64], 'batch3.num_batches_tracked': [],
      'convT5.weight': [64, 1, 4, 4],
    });
    tf.dispose(Object.values(state));
    g.dispose();
  });

  it('has convT1..convT5 / batch1..batch4 at 64x64 and convT1..convT6 / batch1..batch5 (16ngf first) at 128x128', () => {
    const g64 = new DcganGenerator(resolveDcganConfig({ resolution: 64, channels: 3, ngf: 4, nz: 8 }));
    const s64 = g64.state();
    expect(Object.keys(s64).filter((k) => k.endsWith('.weight'))).toEqual([
      'convT1.weight', 'batch1.weight', 'convT2.weight', 'batch2.weight', 'convT3.weight', 'batch3.weight', 'convT4.weight', 'batch4.weight', 'convT5.weight',
    ]);
    expect(s64['convT1.weight']!.shape).toEqual([8, 32, 4, 4]);
    expect(s64['convT5.weight']!.shape).toEqual([4, 3, 4, 4]);
    const g128 = new DcganGenerator(resolveDcganConfig({ resolution: 128, channels: 3, ngf: 2, nz: 8 }));
    const s128 = g128.state();
    expect(s128['convT1.weight']!.shape).toEqual([8, 32, 4, 4]);
    expect(s128['batch5.weight']!.shape).toEqual([2]);
    expect(s128['convT6.weight']!.shape).toEqual([2, 3, 4, 4]);
    const images = tf.tidy(() => g128.generate(g128.sampleInputs(2, createRng(1))));
    expect(images.shape).toEqual([2, 128, 128, 3]);
    images.dispose();
    tf.dispose([...Object.values(s64), ...Object.values(s128)]);
    g64.dispose();
    g128.dispose();
  });
});

describe('DcganGenerator forward pass against a direct-loop PyTorch reference', () => {
  for (const { resolution, channels } of [{ resolution: 32, channels: 1 }, { resolution: 64, channels: 3 }]) {
    it(`matches in eval and train mode at ${resolution}x${resolution}x${channels}`, () => {
      const config = resolveDcganConfig({ resolution, channels, nz: 6, ngf: 2, seed: 3 });
      const g = new DcganGenerator(config);
      randomiseRunningStats(g, 5);
      const state = g.state();
      const ref = snapshot(state);
      tf.dispose(Object.values(state));
      const layers = Object.keys(ref).filter((k) => k.startsWith('convT')).map((k, i, all) => ({
        conv: k.replace('.weight', ''),
        ...(i < all.length - 1 ? { batchNorm: `batch${i + 1}` } : {}),
      }));
      const z = g.sampleInputs(3, createRng(9));
      const zValues = Float32Array.from(z.dataSync());
      for (const mode of ['eval', 'train'] as const) {
        g.setMode(mode);
        const out = g.generate(z);
        expect(out.shape).toEqual([3, resolution, resolution, channels]);
        const got = fromNhwc(out.dataSync(), 3, resolution, resolution, channels);
        const expected = dcganGeneratorRef(ref, layers, zValues, 3, mode === 'train');
        expect(maxAbsDiff(got.data, expected.data)).toBeLessThan(1e-4);
        out.dispose();
      }
      z.dispose();
      g.dispose();
    });
  }

  it('accepts the reference latent shape [N, nz, 1, 1] with the same result', () => {
    const g = new DcganGenerator(resolveDcganConfig({ nz: 5, ngf: 2 }));
    const z = g.sampleInputs(2, createRng(4));
    const a = g.generate(z);
    const b = g.generate(tf.reshape(z, [2, 5, 1, 1]));
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
    expect(() => g.generate(tf.zeros([2, 4]))).toThrow(/dcgan: latents of shape \[2, 4\]; expected \[N, 5\] or \[N, 5, 1, 1\]/);
    tf.dispose([z, a, b]);
    g.dispose();
  });
});

describe('DcganGenerator state, modes and copies', () => {
  it('updates batch-norm running statistics in train mode only', () => {
    const g = new DcganGenerator(resolveDcganConfig({ nz: 4, ngf: 2 }));
    const before = g.state();
    const z = g.sampleInputs(4, createRng(1));
    tf.dispose(g.generate(z));
    const afterEval = g.state();
    expect(maxAbsDiff(afterEval['batch1.running_mean']!.dataSync(), before['batch1.running_mean']!.dataSync())).toBe(0);
    g.setMode('train');
    tf.dispose(g.generate(z));
    const afterTrain = g.state();
    expect(maxAbsDiff(afterTrain['batch1.running_mean']!.dataSync(), before['batch1.running_mean']!.dataSync())).toBeGreaterThan(0);
    expect(afterTrain['batch1.num_batches_tracked']!.dataSync()[0]).toBe(1);
    tf.dispose([z, ...Object.values(before), ...Object.values(afterEval), ...Object.values(afterTrain)]);
    g.dispose();
  });

  it('round-trips its state into a fresh generator with identical output', () => {
    const config = resolveDcganConfig({ nz: 4, ngf: 2, seed: 1 });
    const a = new DcganGenerator(config);
    randomiseRunningStats(a, 2);
    const b = new DcganGenerator({ ...config, seed: 99 });
    const state = a.state();
    b.loadState(state);
    tf.dispose(Object.values(state));
    const z = a.sampleInputs(3, createRng(3));
    const ya = a.generate(z);
    const yb = b.generate(z);
    expect(maxAbsDiff(ya.dataSync(), yb.dataSync())).toBe(0);
    tf.dispose([z, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it('rejects a state with a missing, mis-shaped or unexpected entry, naming it, and changes nothing', () => {
    const g = new DcganGenerator(resolveDcganConfig({ nz: 4, ngf: 2 }));
    const state = g.state();
    const missing = { ...state };
    delete missing['batch2.running_var'];
    expect(() => g.loadState(missing)).toThrow("dcgan: state has no entry 'batch2.running_var' (expected shape [4])");
    const wrong = { ...state, 'convT2.weight': tf.zeros([8, 4, 3, 3]) };
    expect(() => g.loadState(wrong)).toThrow("dcgan: entry 'convT2.weight' has shape [8, 4, 3, 3]; expected [8, 4, 4, 4]");
    const extra = { ...state, 'convT4.weight': tf.zeros([2, 2, 4, 4]) };
    expect(() => g.loadState(extra)).toThrow("dcgan: state has an unexpected entry 'convT4.weight'");
    const withoutCounters = Object.fromEntries(Object.entries(state).filter(([k]) => !k.endsWith('num_batches_tracked')));
    expect(() => g.loadState(withoutCounters)).not.toThrow();
    tf.dispose([...Object.values(state), wrong['convT2.weight'], extra['convT4.weight']]);
    g.dispose();
  });

  it('clones into independent trainable variables and freezes', () => {
    const g = new DcganGenerator(resolveDcganConfig({ nz: 4, ngf: 2 }));
    g.setMode('train');
    g.freeze();
    expect(g.trainableVariables).toEqual([]);
    const copy = g.clone();
    expect(copy.mode).toBe('train');
    expect(copy.trainableVariables.length).toBe(4 + 2 * 3);
    expect(copy.trainableVariables.every((v) => v.trainable)).toBe(true);
    copy.setMode('eval');
    g.setMode('eval');
    const z = g.sampleInputs(2, createRng(5));
    const first = copy.trainableVariables[0]!;
    first.assign(tf.zerosLike(first));
    const yg = g.generate(z);
    const yc = copy.generate(z);
    expect(maxAbsDiff(yg.dataSync(), yc.dataSync())).toBeGreaterThan(0);
    tf.dispose([z, yg, yc]);
    g.dispose();
    copy.dispose();
  });

  it('does not leak tensors across generate calls and training steps', () => {
    const g = new DcganGenerator(resolveDcganConfig({ nz: 4, ngf: 2 }));
    g.setMode('train');
    const optimizer = tf.train.adam(1e-3);
    const rng = createRng(1);
    const step = (): void => {
      tf.tidy(() => {
        const z = g.sampleInputs(4, rng);
        optimizer.minimize(() => tf.mean(tf.square(g.generate(z))) as tf.Scalar, false, g.trainableVariables as tf.Variable[]);
      });
    };
    step();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(count);
    optimizer.dispose();
    g.dispose();
  });

  it('rejects bad settings with a one-line error naming them', () => {
    expect(() => resolveDcganConfig({ resolution: 48 })).toThrow("dcgan: setting 'resolution' must be one of 32, 64, 128, got 48");
    expect(() => resolveDcganConfig({ channels: 2 })).toThrow("dcgan: setting 'channels' must be 1 or 3, got 2");
    expect(() => resolveDcganConfig({ ngf: 0 })).toThrow("dcgan: setting 'ngf' must be a positive integer, got 0");
    expect(() => resolveDcganConfig({ width: 3 })).toThrow("dcgan: unknown setting 'width' (known: resolution, channels, nz, ngf, seed)");
  });
});
