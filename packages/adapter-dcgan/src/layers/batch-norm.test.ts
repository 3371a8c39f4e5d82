import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@attrib/testing/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm2d } from './batch-norm.js';

beforeAll(async () => {
  await useBackend('cpu');
});

/** Per-channel statistics of NHWC values, computed in float64. */
function channelStats(values: Float32Array, channels: number): { mean: number[]; biased: number[]; unbiased: number[] } {
  const count = values.length / channels;
  const mean = Array.from({ length: channels }, (_, c) => {
    let s = 0;
    for (let i = c; i < values.length; i += channels) s += values[i]!;
    return s / count;
  });
  const sq = Array.from({ length: channels }, (_, c) => {
    let s = 0;
    for (let i = c; i < values.length; i += channels) s += (values[i]! - mean[c]!) ** 2;
    return s;
  });
  return { mean, biased: sq.map((s) => s / count), unbiased: sq.map((s) => s / (count - 1)) };
}

describe('BatchNorm2d with PyTorch semantics', () => {
  it('normalises with batch statistics in training and updates running stats with the unbiased variance (momentum 0.1)', () => {
    const bn = new BatchNorm2d('batch1', 3, { weight: tf.tensor1d([1.5, 0.5, 2]), bias: tf.tensor1d([0.1, -0.2, 0.3]) });
    const x = tf.randomNormal([2, 3, 2, 3], 2, 3, 'float32', 7) as tf.Tensor4D;
    const values = x.dataSync() as Float32Array;
    const { mean, biased, unbiased } = channelStats(values, 3);
    const y = bn.apply(x, true);
    const got = y.dataSync();
    const gamma = [1.5, 0.5, 2];
    const beta = [0.1, -0.2, 0.3];
    for (let i = 0; i < values.length; i++) {
      const c = i % 3;
      expect(got[i]).toBeCloseTo((values[i]! - mean[c]!) / Math.sqrt(biased[c]! + 1e-5) * gamma[c]! + beta[c]!, 4);
    }
    const runningMean = bn.runningMean.dataSync();
    const runningVar = bn.runningVar.dataSync();
    for (let c = 0; c < 3; c++) {
      expect(runningMean[c]).toBeCloseTo(0.9 * 0 + 0.1 * mean[c]!, 5);
      expect(runningVar[c]).toBeCloseTo(0.9 * 1 + 0.1 * unbiased[c]!, 4);
    }
    expect(bn.numBatchesTracked).toBe(1);
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('uses the running statistics in evaluation and leaves them unchanged', () => {
    const bn = new BatchNorm2d('batch2', 2);
    bn.runningMean.assign(tf.tensor1d([1, -1]));
    bn.runningVar.assign(tf.tensor1d([4, 0.25]));
    const x = tf.tensor4d([3, 0, -1, 1], [1, 2, 1, 2]);
    const y = bn.apply(x, false);
    const expected = [(3 - 1) / Math.sqrt(4 + 1e-5), (0 + 1) / Math.sqrt(0.25 + 1e-5), (-1 - 1) / Math.sqrt(4 + 1e-5), (1 + 1) / Math.sqrt(0.25 + 1e-5)];
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    expect(Array.from(bn.runningMean.dataSync())).toEqual([1, -1]);
    expect(bn.numBatchesTracked).toBe(0);
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('passes gradients to gamma and beta in training mode', () => {
    const bn = new BatchNorm2d('batch3', 2);
    const x = tf.randomNormal([4, 2, 2, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
    const target = tf.randomNormal([4, 2, 2, 2], 0, 1, 'float32', 4);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.apply(x, true), target)) as tf.Scalar, bn.trainableVariables);
    // d/d beta = sum of target per channel; d/d gamma = sum of target * x_hat per channel.
    const t = target.dataSync();
    const sums = [0, 0];
    for (let i = 0; i < t.length; i++) sums[i % 2]! += t[i]!;
    const betaGrad = grads[bn.bias.name]!.dataSync();
    expect(betaGrad[0]).toBeCloseTo(sums[0]!, 4);
    expect(betaGrad[1]).toBeCloseTo(sums[1]!, 4);
    const xs = x.dataSync() as Float32Array;
    const { mean, biased } = channelStats(xs, 2);
    const gammaExpected = [0, 0];
    for (let i = 0; i < t.length; i++) {
      const c = i % 2;
      gammaExpected[c]! += t[i]! * (xs[i]! - mean[c]!) / Math.sqrt(biased[c]! + 1e-5);
    }
    const gammaGrad = grads[bn.weight.name]!.dataSync();
    expect(gammaGrad[0]).toBeCloseTo(gammaExpected[0]!, 3);
    expect(gammaGrad[1]).toBeCloseTo(gammaExpected[1]!, 3);
    tf.dispose([x, target, ...Object.values(grads)]);
    bn.dispose();
  });
});
