import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { postProcessFactories } from './plugin.js';
import { randomImages, seededContext } from '@attrib/testing/postprocess';
import { maxAbsDiff } from '@attrib/testing/backend';

/** Output and gradient of sum(T(x)^2) of every differentiable post-process on one backend. */
async function valuesOn(backend: 'cpu' | 'wasm'): Promise<Map<string, { out: Float32Array; grad: Float32Array }>> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
  await tf.ready();
  const values = new Map<string, { out: Float32Array; grad: Float32Array }>();
  for (const factory of postProcessFactories.filter((f) => f.create().differentiable)) {
    const postProcess = factory.create();
    const x = randomImages([2, 16, 16, 3], 1, -0.6, 0.6);
    const apply = (input: tf.Tensor): tf.Tensor => postProcess.apply(input as tf.Tensor4D, seededContext('eval', 2)) as tf.Tensor4D;
    const out = tf.tidy(() => apply(x).dataSync() as Float32Array);
    const grad = tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(tf.square(apply(input))))(x).dataSync() as Float32Array);
    values.set(factory.name, { out, grad });
    x.dispose();
  }
  return values;
}

describe('backends', () => {
  it('every differentiable post-process gives the same output and gradient on wasm as on cpu', async () => {
    const cpu = await valuesOn('cpu');
    const wasm = await valuesOn('wasm');
    expect([...cpu.keys()]).toEqual([
      'blur', 'crop', 'noise', 'jpeg', 'combination', 'rotate', 'resized-crop', 'erase', 'brightness', 'contrast', 'resize',
    ]);
    for (const [name, expected] of cpu) {
      const actual = wasm.get(name)!;
      expect(maxAbsDiff(actual.out, expected.out), name).toBeLessThan(1e-5);
      expect(maxAbsDiff(actual.grad, expected.grad), name).toBeLessThan(1e-5);
    }
  });
});
