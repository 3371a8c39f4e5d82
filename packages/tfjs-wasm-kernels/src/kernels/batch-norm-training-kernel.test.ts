import * as tf from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, useBackend, valuesOn } from '@attrib/testing/backend';
import { expectNoGrowth } from '@attrib/testing/no-growth';
import { createRng } from '@attrib/testing/random';
import { BatchNormTraining, batchNormTraining, type NormActivation } from '../ops/batch-norm-training-op.js';

const EPSILON = 1e-5;

interface Case {
  readonly shape: number[];
  readonly activation: NormActivation;
}

const cases: Case[] = [
  { shape: [16, 4, 4, 256], activation: 'relu' }, // the DCGAN-32 generator's batch norms
  { shape: [16, 8, 8, 128], activation: 'relu' },
  { shape: [16, 16, 16, 64], activation: 'linear' },
  { shape: [3, 5, 7], activation: 'linear' },
  { shape: [5, 3], activation: 'relu' }, // rank 2
  { shape: [1, 1, 1, 8], activation: 'linear' }, // one value per channel: variance 0, y = beta
];

/** x (with a per-channel offset, so the mean matters), gamma, beta and an upstream gradient w. */
function inputs(shape: number[]): { x: Float32Array; gamma: Float32Array; beta: Float32Array; w: Float32Array } {
  const rng = createRng(shape.reduce((a, b) => a * 7 + b, 3));
  const size = shape.reduce((a, b) => a * b, 1);
  const channels = shape.at(-1)!;
  const offsets = Array.from({ length: channels }, () => rng.normal() * 3);
  return {
    x: Float32Array.from({ length: size }, (_, i) => rng.normal() * 2 + offsets[i % channels]!),
    gamma: Float32Array.from({ length: channels }, () => 1 + rng.normal() * 0.5),
    beta: Float32Array.from({ length: channels }, () => rng.normal()),
    w: Float32Array.from({ length: size }, () => rng.normal()),
  };
}

/** y, mean, variance and the gradients of sum(y * w) for x, gamma and beta. */
function forwardAndGradients(c: Case): tf.Tensor[] {
  const { x, gamma, beta, w } = inputs(c.shape);
  const [xt, gt, bt] = [tf.tensor(x, c.shape), tf.tensor1d(gamma), tf.tensor1d(beta)];
  const weights = tf.tensor(w, c.shape);
  const result = batchNormTraining(xt, gt as tf.Tensor1D, bt as tf.Tensor1D, EPSILON, c.activation);
  const grads = tf.grads((...[xs, gs, bs]: tf.Tensor[]) => tf.sum(tf.mul(batchNormTraining(xs!, gs as tf.Tensor1D, bs as tf.Tensor1D, EPSILON, c.activation).y, weights)))([xt, gt, bt]);
  return [result.y, result.mean, result.variance, ...grads];
}

/** The same, written out in float64 from the definitions (biased variance; d/dx by the chain rule). */
function reference(c: Case): Float64Array[] {
  const { x, gamma, beta, w } = inputs(c.shape);
  const channels = c.shape.at(-1)!;
  const count = x.length / channels;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  x.forEach((v, i) => (mean[i % channels]! += v / count));
  x.forEach((v, i) => (variance[i % channels]! += (v - mean[i % channels]!) ** 2 / count));
  const sigma = Float64Array.from(variance, (v) => Math.sqrt(v + EPSILON));
  const xhat = Float64Array.from(x, (v, i) => (v - mean[i % channels]!) / sigma[i % channels]!);
  const pre = Float64Array.from(xhat, (v, i) => v * gamma[i % channels]! + beta[i % channels]!);
  const y = Float64Array.from(pre, (v) => (c.activation === 'relu' ? Math.max(0, v) : v));
  const g = Float64Array.from(w, (v, i) => (c.activation === 'relu' && !(pre[i]! > 0) ? 0 : v));
  const dBeta = new Float64Array(channels);
  const dGamma = new Float64Array(channels);
  g.forEach((v, i) => {
    dBeta[i % channels]! += v;
    dGamma[i % channels]! += v * xhat[i]!;
  });
  const dx = Float64Array.from(g, (v, i) => {
    const ch = i % channels;
    return (gamma[ch]! / sigma[ch]!) * (v - dBeta[ch]! / count - (xhat[i]! * dGamma[ch]!) / count);
  });
  return [y, mean, variance, dx, dGamma, dBeta];
}

describe('batchNormTraining: the wasm kernels, the composed ops elsewhere', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('has its kernels on wasm and none on cpu', () => {
    expect(getKernel(BatchNormTraining, 'wasm')).toBeDefined();
    expect(getKernel(BatchNormTraining, 'cpu')).toBeUndefined();
  });

  const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
  it.each(cases)('$shape, $activation: outputs and gradients match float64 sums on wasm and tf autodiff on cpu', async (c) => {
    const expected = reference(c);
    const wasm = await valuesOn('wasm', () => forwardAndGradients(c));
    const cpu = await valuesOn('cpu', () => forwardAndGradients(c));
    expected.forEach((values, i) => {
      expect(maxRelativeError(wasm[i]!, values), `${names[i]} on wasm`).toBeLessThan(2e-6);
      expect(maxRelativeError(cpu[i]!, values), `${names[i]} on cpu`).toBeLessThan(2e-4);
      expect(maxRelativeError(wasm[i]!, cpu[i]!), `${names[i]} wasm against cpu`).toBeLessThan(2e-4);
    });
  });

  it('frees what it makes, forward and backward', () => {
    const { x, gamma, beta } = inputs([4, 3, 3, 16]);
    const [xt, gt, bt] = [tf.tensor(x, [4, 3, 3, 16]), tf.tensor1d(gamma), tf.tensor1d(beta)];
    const vars = [tf.variable(gt, true, 'growth-gamma'), tf.variable(bt, true, 'growth-beta')];
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => tf.sum(batchNormTraining(xt, vars[0] as tf.Tensor1D, vars[1] as tf.Tensor1D, EPSILON, 'relu').y) as tf.Scalar, vars);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    expectNoGrowth(step);
    tf.dispose([xt, gt, bt, ...vars]);
  });

  it('gives an empty output for an empty batch, with gradients of its shape', () => {
    tf.tidy(() => {
      const x = tf.zeros([0, 2, 2, 8]);
      const [gamma, beta] = [tf.ones([8]) as tf.Tensor1D, tf.zeros([8]) as tf.Tensor1D];
      expect(batchNormTraining(x, gamma, beta, EPSILON, 'relu').y.shape).toEqual([0, 2, 2, 8]);
      const [dx] = tf.grads((xs: tf.Tensor) => tf.sum(batchNormTraining(xs, gamma, beta, EPSILON, 'relu').y))([x]);
      expect(dx!.shape).toEqual([0, 2, 2, 8]);
    });
  });

  it('names what is wrong with its inputs', () => {
    tf.tidy(() => {
      expect(() => batchNormTraining(tf.zeros([2, 4]), tf.zeros([3]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D, EPSILON))
        .toThrow('batchNormTraining: gamma of shape [3]; expected [4], one value per channel of x');
      expect(() => batchNormTraining(tf.zeros([4], 'int32'), tf.zeros([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D, EPSILON))
        .toThrow('batchNormTraining: x must be float32 of rank 2 or more, got int32 [4]');
    });
  });
});
