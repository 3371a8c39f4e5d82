import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricContext } from '../contracts/metric.js';
import { LinearKey } from '../keys/linear-key.js';
import { createRng } from '../util/rng.js';
import { useBackend } from '@attrib/testing/backend';
import { DenseGenerator } from '@attrib/testing/dense-generator';
import { MemoryImageSource } from '@attrib/testing/memory-source';
import { contrastPostProcess } from '@attrib/testing/post-processes';
import { distortion } from './distortion.js';

beforeAll(() => useBackend('cpu'));

const SHAPE = { height: 12, width: 12, channels: 1 };
const D = 144;

/** A generator whose every image is uniform grey tanh(level): no latent weights, bias `level` everywhere. */
function uniform(level: number): DenseGenerator {
  const initial = { 'dense.weight': tf.zeros([D, 2]), 'dense.bias': tf.fill([D], level) };
  const g = new DenseGenerator({ ...SHAPE, latent: 2, batchNorm: false }, initial);
  tf.dispose(Object.values(initial));
  return g;
}

/** The 8-bit round trip in float64. */
const q = (v: number): number => (Math.floor(Math.min(255, Math.max(0, ((Math.min(1, Math.max(-1, v)) + 1) / 2) * 255 + 0.5))) / 255 - 0.5) / 0.5;

describe('distortion', () => {
  const levels = [0.3, -0.8];
  const context = (postProcess?: MetricContext['postProcess']): { ctx: MetricContext; dispose: () => void } => {
    const generators = levels.map(uniform);
    const keys = levels.map((_, i) => new LinearKey(`key-${i + 1}`, SHAPE, new Float32Array(D).fill(i ? 1 : -1), false));
    const root = uniform(0);
    const ctx: MetricContext = {
      root, generators, keys, data: new MemoryImageSource(SHAPE, new Float32Array(D)), rng: createRng(3), samples: 30, batchSize: 16,
      ...(postProcess ? { postProcess } : {}),
    };
    return { ctx, dispose: () => [root, ...generators, ...keys].forEach((x) => x.dispose()) };
  };

  it('gives the closed forms of a uniform image scaled by a contrast factor: PSNR of the grey step, SSIM its luminance term', async () => {
    const { ctx, dispose } = context(contrastPostProcess(0.5));
    const tensors = tf.memory().numTensors;
    const result = await distortion.compute(ctx);
    expect(tf.memory().numTensors).toBe(tensors);
    const perKey = (result.details as { perKey: { key: string; psnr: number; ssim: number }[] }).perKey;
    levels.forEach((level, i) => {
      const before = (q(Math.tanh(level)) + 1) / 2;
      const after = (q(0.5 * q(Math.tanh(level))) + 1) / 2;
      const psnr = -10 * Math.log10((after - before) ** 2);
      const c1 = 0.01 ** 2;
      const ssim = (2 * before * after + c1) / (before ** 2 + after ** 2 + c1);
      expect(perKey[i]!.key).toBe(`key-${i + 1}`);
      expect(perKey[i]!.psnr).toBeCloseTo(psnr, 3);
      expect(perKey[i]!.ssim).toBeCloseTo(ssim, 4);
    });
    expect(result.summary.psnr).toBeCloseTo((perKey[0]!.psnr + perKey[1]!.psnr) / 2, 10);
    expect(result.summary.ssim).toBeCloseTo((perKey[0]!.ssim + perKey[1]!.ssim) / 2, 10);
    dispose();
  });

  it('without a post-process every image is its own reference: PSNR at its cap (100 dB), SSIM 1', async () => {
    const { ctx, dispose } = context();
    const result = await distortion.compute(ctx);
    expect(result.summary.psnr).toBeCloseTo(100, 3);
    expect(result.summary.ssim).toBeCloseTo(1, 6);
    dispose();
  });
});
