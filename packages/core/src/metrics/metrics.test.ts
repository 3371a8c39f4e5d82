import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageShape } from '../contracts/image.js';
import type { MetricContext } from '../contracts/metric.js';
import { LinearKey } from '../keys/linear-key.js';
import { useBackend } from '@attrib/testing/backend';
import { MemoryImageSource } from '@attrib/testing/memory-source';
import { contrastPostProcess } from '@attrib/testing/post-processes';
import { TableGenerator } from '@attrib/testing/table-generator';
import { createRng } from '../util/rng.js';
import { attributability } from './attributability.js';
import { attributionMatrix } from './attribution-matrix.js';
import { distinguishability } from './distinguishability.js';
import { quantize8bit } from './quantize.js';
import { psnr, quality, ssim } from './quality.js';
import { tprAtFpr } from './tpr-at-fpr.js';

beforeAll(() => useBackend('cpu'));

// ---- plain-JS references, written independently of the tensor code ----
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };
/** torchvision save_image then ToTensor + Normalize(0.5, 0.5), one value at a time. */
const roundTrip = (x: number) => {
  const clamped = Math.min(1, Math.max(-1, x));
  const byte = Math.trunc(Math.min(255, Math.max(0, ((clamped + 1) / 2) * 255 + 0.5)));
  return (byte / 255 - 0.5) / 0.5;
};
const rows = (values: number[], d: number) => Array.from({ length: values.length / d }, (_, r) => values.slice(r * d, (r + 1) * d));

const shape: ImageShape = { height: 2, width: 2, channels: 1 };
const made: { dispose(): void }[] = [];
afterAll(() => made.forEach((m) => m.dispose()));
const keep = <T extends { dispose(): void }>(x: T): T => (made.push(x), x);

// Three keys over 2x2 images (HWC = row-major pixels).
const keyValues = [[1, 1, -1, 0], [0, 1, 1, -1], [-1, 0.5, 0, 1]];
// Generator tables: 5 rows each, chosen so some samples are claimed by several keys, some by
// none, and some decisions change through the 8-bit round trip. No score is within float32
// rounding of 0.
const tables = [
  [-0.9, -0.8, 0.7, 0.1, /**/ -0.5, -0.5, 0.9, -0.3, /**/ 0.001, 0, 0, 0.4, /**/ -0.2, 0.3, 0.95, 0.9, /**/ -1, -1, 1, 1],
  [0.2, -0.9, -0.7, 0.6, /**/ 0.3, -0.2, -0.6, 0.2, /**/ 0.9, -0.9, -0.9, -0.9, /**/ -0.4, 0.1, 0.2, 0.35, /**/ 0.5, -0.6, -0.3, 0.8],
  [0.8, -0.4, 0.2, -0.9, /**/ 0.6, -0.1, 0.3, -0.5, /**/ 0.1, 0.2, 0.3, 0.4, /**/ 0.7, -0.7, 0.1, -0.8, /**/ 0.99, 0.5, -0.5, -0.99],
];
const rootTable = [0.5, 0.5, 0.2, 0.3, /**/ -0.3, 0.6, 0.1, 0.9, /**/ 0.2, -0.2, 0.4, 0.1, /**/ 0.6, 0.6, 0.6, 0.6, /**/ -0.5, 0.4, 0.3, 0.2];
const realTable = [0.9, 0.8, -0.2, 0.1, /**/ 0.5, 0.6, 0.7, -0.8, /**/ -0.3, -0.4, 0.2, 0.6, /**/ 0.1, 0.1, 0.1, 0.1, /**/ 0.4, -0.9, 0.3, 0.3, /**/ 0.8, 0.2, 0.4, 0.4];

function context(extra: Partial<MetricContext> = {}): MetricContext {
  return {
    root: keep(new TableGenerator(shape, Float32Array.from(rootTable))),
    generators: tables.map((t) => keep(new TableGenerator(shape, Float32Array.from(t)))),
    keys: keyValues.map((v, i) => keep(new LinearKey(`key-${i + 1}`, shape, Float32Array.from(v)))),
    data: keep(new MemoryImageSource(shape, Float32Array.from(realTable))),
    rng: createRng(1),
    ...extra,
  };
}

describe('8-bit round trip', () => {
  it('maps values as torchvision save_image and ToTensor/Normalize do', () => {
    const values = [-1.5, -1, -0.99, -0.5, -0.0039, 0, 0.001, 0.00393, 0.3, 0.9981, 1, 2];
    const out = quantize8bit(tf.tensor4d(values, [1, 1, values.length, 1]));
    Array.from(out.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(roundTrip(values[i]!), 6));
    out.dispose();
  });
});

describe('distinguishability', () => {
  it('is 1/2 [P(phi.x > 0) on real + P(phi.G(z) < 0)] per key, with mean and std over keys', async () => {
    const result = await distinguishability.compute(context());
    const expected = keyValues.map((phi, i) => {
      const real = rows(realTable, 4).filter((x) => dot(phi, x) > 0).length / 6;
      const generated = rows(tables[i]!, 4).filter((x) => dot(phi, x) < 0).length / 5;
      return (real + generated) / 2;
    });
    const mean = expected.reduce((a, b) => a + b) / 3;
    const std = Math.sqrt(expected.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
    const perKey = (result.details!.perKey as { distinguishability: number }[]).map((k) => k.distinguishability);
    perKey.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 10));
    expect(result.summary.mean).toBeCloseTo(mean, 10);
    expect(result.summary.std).toBeCloseTo(std, 10);
    expect(result.details!.generatedSamples).toBe(1000);
    expect(result.details!.realSamples).toBe(6);
  });

  it('applies the post-process at evaluation strength to both sets', async () => {
    const result = await distinguishability.compute(context({ postProcess: contrastPostProcess(0.5), samples: 10, batchSize: 3 }));
    const expected = keyValues.map((phi, i) => {
      const real = rows(realTable, 4).filter((x) => dot(phi, x.map((v) => v * 0.5)) > 0).length / 6;
      const generated = rows(tables[i]!, 4).filter((x) => dot(phi, x.map((v) => v * 0.5)) < 0).length / 5;
      return (real + generated) / 2;
    });
    expect(result.summary.mean).toBeCloseTo(expected.reduce((a, b) => a + b) / 3, 10);
  });
});

/** Scores of every row of generator g's table under every key, after `transform`. */
function claims(g: number, transform: (x: number) => number): number[][] {
  return rows(tables[g]!, 4).map((x) => keyValues.map((phi) => dot(phi, x.map(transform))));
}

describe('attributability and the attribution matrix', () => {
  const expectedAttributability = (transform: (x: number) => number) =>
    tables.map((_, g) => {
      const scores = claims(g, transform);
      return scores.filter((s) => s[g]! < 0 && s.every((v, j) => j === g || v > 0)).length / scores.length;
    });

  it('counts samples claimed by their own key and no other, after the 8-bit round trip', async () => {
    const result = await attributability.compute(context());
    const expected = expectedAttributability(roundTrip);
    const perGenerator = (result.details!.perGenerator as { attributability: number }[]).map((p) => p.attributability);
    perGenerator.forEach((v, g) => expect(v).toBeCloseTo(expected[g]!, 10));
    expect(result.summary.mean).toBeCloseTo(expected.reduce((a, b) => a + b) / 3, 10);
    // The round trip matters here: without it the answer differs.
    expect(expectedAttributability((x) => x)).not.toEqual(expected);
  });

  it('with a post-process: round trip, post-process at evaluation strength, round trip again', async () => {
    const result = await attributability.compute(context({ postProcess: contrastPostProcess(0.5), samples: 20, batchSize: 7 }));
    const expected = expectedAttributability((x) => roundTrip(0.5 * roundTrip(x)));
    expect(result.summary.mean).toBeCloseTo(expected.reduce((a, b) => a + b) / 3, 10);
  });

  it('matrix entry [g][j] is the share of G_g samples with phi_j.x < 0', async () => {
    const result = await attributionMatrix.compute(context());
    const expected = tables.map((_, g) => {
      const scores = claims(g, roundTrip);
      return keyValues.map((__, j) => scores.filter((s) => s[j]! < 0).length / scores.length);
    });
    const matrix = result.details!.matrix as number[][];
    matrix.forEach((row, g) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[g]![j]!, 10)));
    const diagonal = (expected[0]![0]! + expected[1]![1]! + expected[2]![2]!) / 3;
    expect(result.summary.diagonalMean).toBeCloseTo(diagonal, 10);
  });
});

describe('quality, PSNR and SSIM against the root', () => {
  it('quality is the mean L2 distance to the root over shared inputs', async () => {
    const result = await quality.compute(context());
    const rootRows = rows(rootTable, 4);
    const expected = tables.map((t) => rows(t, 4).reduce((s, x, r) => s + Math.sqrt(x.reduce((a, v, k) => a + (v - rootRows[r]![k]!) ** 2, 0)), 0) / 5);
    const perKey = (result.details!.perKey as { l2: number }[]).map((p) => p.l2);
    perKey.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    expect(result.details!.samples).toBe(10_000);
  });

  it('PSNR is 10 log10(1 / MSE) on [0, 1] images, averaged over images', async () => {
    const result = await psnr.compute(context());
    const rootRows = rows(rootTable, 4);
    const expected = tables.map((t) => rows(t, 4).reduce((s, x, r) => {
      const mse = x.reduce((a, v, k) => a + ((v - rootRows[r]![k]!) / 2) ** 2, 0) / 4;
      return s + 10 * Math.log10(1 / mse);
    }, 0) / 5);
    (result.details!.perKey as { psnr: number }[]).forEach((p, i) => expect(p.psnr).toBeCloseTo(expected[i]!, 3));
  });

  it('SSIM matches a plain-loop Gaussian-window SSIM, and is 1 for identical images', async () => {
    const big: ImageShape = { height: 13, width: 12, channels: 2 };
    const d = 13 * 12 * 2;
    const rng = createRng(11);
    const table = (n: number, f: (v: number) => number) => Float32Array.from({ length: n * d }, () => f(rng.uniform() * 2 - 1));
    const rootValues = table(3, (v) => v);
    const generatorValues = Float32Array.from(rootValues, (v, i) => Math.max(-1, Math.min(1, v + 0.3 * Math.sin(i))));
    const ctx: MetricContext = {
      root: keep(new TableGenerator(big, rootValues)),
      generators: [keep(new TableGenerator(big, generatorValues)), keep(new TableGenerator(big, rootValues))],
      keys: [keep(LinearKey.random('a', big, createRng(1))), keep(LinearKey.random('b', big, createRng(2)))],
      data: keep(new MemoryImageSource(big, rootValues)),
      rng: createRng(3),
      samples: 30,
    };
    const result = await ssim.compute(ctx);
    const perKey = (result.details!.perKey as { ssim: number }[]).map((p) => p.ssim);
    let expected = 0;
    for (let r = 0; r < 3; r++) expected += plainSsim(generatorValues.subarray(r * d, (r + 1) * d), rootValues.subarray(r * d, (r + 1) * d), 13, 12, 2);
    expect(perKey[0]).toBeCloseTo(expected / 3, 4);
    expect(perKey[1]).toBeCloseTo(1, 5);
  });
});

/** SSIM of two HWC images in [-1, 1], by direct 2-D Gaussian window sums over valid positions. */
function plainSsim(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number, c: number): number {
  const g = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const gs = g.reduce((s, v) => s + v);
  const win = g.map((v) => v / gs);
  const at = (img: ArrayLike<number>, y: number, x: number, ch: number) => (img[(y * w + x) * c + ch]! + 1) / 2;
  let total = 0, count = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let y0 = 0; y0 + 11 <= h; y0++) {
      for (let x0 = 0; x0 + 11 <= w; x0++) {
        let mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0;
        for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) {
          const weight = win[i]! * win[j]!;
          const p = at(a, y0 + i, x0 + j, ch), q = at(b, y0 + i, x0 + j, ch);
          mx += weight * p; my += weight * q; mxx += weight * p * p; myy += weight * q * q; mxy += weight * p * q;
        }
        const c1 = 0.01 ** 2, c2 = 0.03 ** 2;
        const sxx = mxx - mx * mx, syy = myy - my * my, sxy = mxy - mx * my;
        total += ((2 * mx * my + c1) / (mx * mx + my * my + c1)) * ((2 * sxy + c2) / (sxx + syy + c2));
        count += 1;
      }
    }
  }
  return total / count;
}

describe('tpr-at-fpr', () => {
  /** Plain-JS reference: authentic = real rows + the root's rows (cycled), thresholds the order statistic s_(floor(r n)+1). */
  function reference(samples: number, transform: (x: number) => number) {
    return keyValues.map((phi, k) => {
      const authentic = [
        ...rows(realTable, 4).map((x) => dot(phi, x.map(transform))),
        ...Array.from({ length: samples }, (_, s) => dot(phi, rows(rootTable, 4)[s % 5]!.map(transform))),
      ].sort((a, b) => a - b);
      const own = Array.from({ length: samples }, (_, s) => dot(phi, rows(tables[k]!, 4)[s % 5]!.map(transform)));
      return [1e-2, 1e-3].map((rate) => {
        const threshold = authentic[Math.floor(rate * authentic.length)]!;
        return own.filter((v) => v < threshold).length / samples;
      });
    });
  }

  it('is the share of own samples below the authentic (real + root) scores\' order statistic at FPR 1e-2 and 1e-3', async () => {
    const result = await tprAtFpr.compute(context({ samples: 100 }));
    const expected = reference(100, roundTrip);
    const perKey = result.details!.perKey as { rates: { tpr: number; measurable: boolean }[]; authentic: number }[];
    perKey.forEach((k, i) => {
      expect(k.authentic).toBe(106);
      expect(k.rates.map((r) => r.tpr)).toEqual(expected[i]);
      expect(k.rates.map((r) => r.measurable)).toEqual([false, false]);
    });
    expect(result.summary['fpr1e-2']).toBeCloseTo(expected.reduce((a, e) => a + e[0]!, 0) / 3, 12);
    expect(result.summary['fpr1e-3']).toBeCloseTo(expected.reduce((a, e) => a + e[1]!, 0) / 3, 12);
  });

  it('with a post-process, measures every image after round trip, post-process, round trip', async () => {
    const result = await tprAtFpr.compute(context({ samples: 50, batchSize: 7, postProcess: contrastPostProcess(0.5) }));
    const expected = reference(50, (x) => roundTrip(0.5 * roundTrip(x)));
    const perKey = result.details!.perKey as { rates: { tpr: number }[] }[];
    perKey.forEach((k, i) => expect(k.rates.map((r) => r.tpr)).toEqual(expected[i]));
  });
});
