import { createRng, loadGenerator, saveGenerator } from '@attrib/core';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pganAdapter } from './adapter.js';
import { resolvePganConfig } from './config.js';
import { PganGenerator } from './generator.js';
import { formatBiasFromTorch, formatWeightFromTorch, upscale2x } from './layers.js';
import { maxAbsDiff, useBackend } from '@attrib/testing/backend';

beforeAll(async () => {
  await useBackend('cpu');
});

const SMALL = { dimLatent: 6, depthScale0: 8, depthOtherScales: [8, 4], dimOutput: 3, seed: 3 };

describe('PganGenerator layout', () => {
  it('has the GAN zoo GNet state-dict names and PyTorch shapes', () => {
    const g = pganAdapter.create(SMALL);
    const state = g.state();
    expect(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.shape]))).toEqual({
      'scaleLayers.0.0.module.weight': [8, 8, 3, 3], 'scaleLayers.0.0.module.bias': [8],
      'scaleLayers.0.1.module.weight': [8, 8, 3, 3], 'scaleLayers.0.1.module.bias': [8],
      'scaleLayers.1.0.module.weight': [4, 8, 3, 3], 'scaleLayers.1.0.module.bias': [4],
      'scaleLayers.1.1.module.weight': [4, 4, 3, 3], 'scaleLayers.1.1.module.bias': [4],
      'toRGBLayers.0.module.weight': [3, 8, 1, 1], 'toRGBLayers.0.module.bias': [3],
      'toRGBLayers.1.module.weight': [3, 8, 1, 1], 'toRGBLayers.1.module.bias': [3],
      'toRGBLayers.2.module.weight': [3, 4, 1, 1], 'toRGBLayers.2.module.bias': [3],
      'formatLayer.module.weight': [128, 6], 'formatLayer.module.bias': [128],
      'groupScale0.0.module.weight': [8, 8, 3, 3], 'groupScale0.0.module.bias': [8],
    });
    expect(g.imageShape).toEqual({ height: 16, width: 16, channels: 3 });
    tf.dispose(Object.values(state));
    g.dispose();
  });

  it('leaves no tensor behind after create, clone and dispose', () => {
    const before = tf.memory().numTensors;
    const g = pganAdapter.create(SMALL);
    const copy = g.clone();
    copy.dispose();
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('defaults to the celebaCropped architecture: 128x128x3 from 512 latents', () => {
    const config = resolvePganConfig({});
    expect(config.dimLatent).toBe(512);
    expect(4 * 2 ** config.depthOtherScales.length).toBe(128);
  });

  it('rejects bad settings naming them', () => {
    expect(() => pganAdapter.create({ depthOtherScales: [8, 0] })).toThrow("pgan: setting 'depthOtherScales[1]' must be a positive integer, got 0");
    expect(() => pganAdapter.create({ alpha: 1.5 })).toThrow("pgan: setting 'alpha' must be in [0, 1], got 1.5");
    expect(() => pganAdapter.create({ depthOtherScales: [], alpha: 0.5 })).toThrow("pgan: setting 'alpha' must be 0 with a single scale");
    expect(() => pganAdapter.create({ depth: 3 })).toThrow("pgan: unknown setting 'depth'");
    const g = pganAdapter.create(SMALL);
    expect(() => g.generate(tf.zeros([2, 7]))).toThrow('pgan: latents of shape [2, 7]; expected [N, 6] or [N, 6, 1, 1]');
    g.dispose();
  });
});

describe('PganGenerator building blocks against direct definitions', () => {
  it('upsamples by repeating every pixel into a 2x2 block', () => {
    const x = tf.randomNormal([2, 3, 2, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const up = upscale2x(x);
    const xs = x.arraySync();
    const ups = up.arraySync();
    expect(up.shape).toEqual([2, 6, 4, 4]);
    for (let n = 0; n < 2; n++) for (let y = 0; y < 6; y++) for (let c = 0; c < 4; c++) for (let w = 0; w < 4; w++) {
      expect(ups[n]![y]![w]![c]).toBe(xs[n]![Math.floor(y / 2)]![Math.floor(w / 2)]![c]);
    }
    tf.dispose([x, up]);
  });

  it('reorders the format layer so x W + b reshaped NHWC equals PyTorch x W^T + b viewed NCHW', () => {
    const depth = 5;
    const weight = tf.randomNormal([16 * depth, 7], 0, 1, 'float32', 2);
    const bias = tf.randomNormal([16 * depth], 0, 1, 'float32', 3);
    const x = tf.randomNormal([3, 7], 0, 1, 'float32', 4) as tf.Tensor2D;
    const torchStyle = tf.transpose(tf.reshape(tf.add(tf.matMul(x, weight, false, true), bias), [3, depth, 4, 4]), [0, 2, 3, 1]);
    const ours = tf.reshape(tf.add(tf.matMul(x, formatWeightFromTorch(weight, depth)), formatBiasFromTorch(bias, depth)), [3, 4, 4, depth]);
    expect(maxAbsDiff(ours.dataSync(), torchStyle.dataSync())).toBeLessThan(1e-5);
    tf.dispose([weight, bias, x, torchStyle, ours]);
  });
});

describe('PganGenerator as an attrib Generator', () => {
  it('round-trips its state through loadState, clone and an attrib checkpoint exactly', async () => {
    const g = pganAdapter.create({ ...SMALL, alpha: 0.3 });
    const z = g.sampleInputs(3, createRng(1));
    expect(z.shape).toEqual([3, 6]);
    const before = g.generate(z);
    const copy = g.clone();
    const file = join(await mkdtemp(join(tmpdir(), 'attrib-pgan-')), 'g.ckpt');
    await saveGenerator(file, g);
    const { generator: loaded } = await loadGenerator(file, () => pganAdapter);
    for (const other of [copy, loaded]) {
      const out = other.generate(z);
      expect(maxAbsDiff(out.dataSync(), before.dataSync())).toBe(0);
      out.dispose();
    }
    // The reference's [N, dimLatent, 1, 1] latents give the same images.
    const fromNchw = g.generate(tf.reshape(z, [3, 6, 1, 1]));
    expect(maxAbsDiff(fromNchw.dataSync(), before.dataSync())).toBe(0);
    // A clone has variables of its own.
    const first = copy.trainableVariables[0]!;
    first.assign(tf.zerosLike(first));
    const after = g.generate(z);
    expect(maxAbsDiff(after.dataSync(), before.dataSync())).toBe(0);
    tf.dispose([z, before, fromNchw, after]);
    for (const x of [g, copy, loaded]) x.dispose();
  });

  it('draws latents from the rng deterministically', () => {
    const g = pganAdapter.create(SMALL);
    const a = g.sampleInputs(4, createRng(9));
    const b = g.sampleInputs(4, createRng(9));
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b]);
    g.dispose();
  });

  it('gives every used variable a gradient, freezes, and leaks no tensors over training steps', () => {
    // With alpha > 0 the last two toRGB layers are used; the first (4x4) one is not, as in the zoo.
    const g = pganAdapter.create({ ...SMALL, alpha: 0.3 }) as PganGenerator;
    g.setMode('train');
    const variables = g.trainableVariables;
    expect(variables).toHaveLength(2 * (1 + 1 + 4 + 3));
    const z = tf.randomNormal([2, 6], 0, 1, 'float32', 5);
    const optimizer = tf.train.adam(1e-3);
    const step = (): void => {
      tf.tidy(() => {
        optimizer.minimize(() => tf.mean(tf.square(g.generate(z))) as tf.Scalar, false, variables as tf.Variable[]);
      });
    };
    const { grads, value } = tf.variableGrads(() => tf.mean(tf.square(g.generate(z))) as tf.Scalar, variables as tf.Variable[]);
    for (const v of variables) {
      if (v.name.includes('/toRGBLayers.0.')) expect(grads[v.name], v.name).toBeFalsy();
      else expect(tf.any(tf.notEqual(grads[v.name]!, 0)).dataSync()[0], v.name).toBe(1);
    }
    tf.dispose([...Object.values(grads), value]);
    step(); // Adam creates its slots on the first step.
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    g.freeze();
    expect(g.trainableVariables).toHaveLength(0);
    expect(g.clone().trainableVariables.length).toBe(variables.length);
    optimizer.dispose();
    z.dispose();
    g.dispose();
  });
});
