import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageShape } from '../contracts/image.js';
import type { MetricContext } from '../contracts/metric.js';
import { LinearKey } from '../keys/linear-key.js';
import { useBackend } from '@attrib/testing/backend';
import { MemoryImageSource } from '@attrib/testing/memory-source';
import { TableGenerator } from '@attrib/testing/table-generator';
import { createRng } from '../util/rng.js';
import { leastBoxShift } from './box-shift.js';
import { attackCost, leakedKey, psnrOfChange } from './leaked-key.js';

beforeAll(() => useBackend('cpu'));

/**
 * Brute force, independent of the breakpoint walk: the projection of x onto
 * {x' in [-1, 1]^d : phi . x' >= target} by trying every active set. Each coordinate is at -1,
 * at +1 or free; the free ones solve the equality-constrained least squares
 * x'_F = x_F + mu phi_F on the hyperplane; a candidate counts when it lies in the box and meets
 * the constraint. The least squared distance over all 3^d candidates is the answer.
 */
function bruteForce(x: number[], phi: number[], target: number): number {
  const d = x.length;
  const score0 = x.reduce((a, v, j) => a + v * phi[j]!, 0);
  if (score0 >= target) return 0;
  let best = Infinity;
  for (let code = 0; code < 3 ** d; code++) {
    const state = Array.from({ length: d }, (_, j) => Math.floor(code / 3 ** j) % 3); // 0: -1, 1: +1, 2: free
    const y = x.slice();
    let fixedScore = 0;
    let freeScore = 0;
    let freeNorm = 0;
    for (let j = 0; j < d; j++) {
      if (state[j] === 2) { freeScore += phi[j]! * x[j]!; freeNorm += phi[j]! ** 2; } else { y[j] = state[j] === 0 ? -1 : 1; fixedScore += phi[j]! * y[j]!; }
    }
    if (freeNorm > 0) {
      const mu = (target - fixedScore - freeScore) / freeNorm;
      for (let j = 0; j < d; j++) if (state[j] === 2) y[j] = x[j]! + mu * phi[j]!;
    }
    if (y.some((v) => v < -1 - 1e-12 || v > 1 + 1e-12)) continue;
    if (y.reduce((a, v, j) => a + v * phi[j]!, 0) < target - 1e-12) continue;
    best = Math.min(best, y.reduce((a, v, j) => a + (v - x[j]!) ** 2, 0));
  }
  return best;
}

describe('leastBoxShift', () => {
  it('equals the brute-force projection onto the half-space within the box (float64, d = 1..5)', () => {
    const rng = createRng(11);
    let clipped = 0;
    let unreachable = 0;
    for (let trial = 0; trial < 300; trial++) {
      const d = 1 + (trial % 5);
      const x = Array.from({ length: d }, () => 2 * rng.uniform() - 1);
      const phi = Array.from({ length: d }, () => (rng.uniform() < 0.1 ? 0 : 3 * rng.normal()));
      // Targets between the score and the box's highest score ||phi||_1 (a tenth of them beyond it).
      const score = x.reduce((a, v, j) => a + v * phi[j]!, 0);
      const highest = phi.reduce((a, p) => a + Math.abs(p), 0);
      const target = trial % 3 === 0 ? 0 : score + 1.1 * rng.uniform() * (highest - score);
      const ours = leastBoxShift(x, phi, target);
      const reference = bruteForce(x, phi, target);
      if (!Number.isFinite(reference)) {
        expect(ours.lambda, `trial ${trial}`).toBe(Infinity);
        unreachable += 1;
        continue;
      }
      expect(ours.squaredDistance, `trial ${trial}`).toBeCloseTo(reference, 9);
      if (ours.squaredDistance > 0) {
        // The moved image lies on the boundary and in the box.
        const score = ours.moved!.reduce((a, v, j) => a + v * phi[j]!, 0);
        expect(score).toBeCloseTo(target, 9);
        if (ours.moved!.some((v) => Math.abs(v) === 1)) clipped += 1;
      }
    }
    // The trials exercise the box: many answers have coordinates stopped at a bound.
    expect(clipped).toBeGreaterThan(40);
    expect(unreachable).toBeGreaterThan(3);
  });

  it('is |s| / ||phi|| along phi when no coordinate reaches a bound (closed form)', () => {
    const x = [0.1, -0.2, 0.05];
    const phi = [0.3, 0.2, -0.1];
    const s = 0.03 - 0.04 - 0.005;
    const { lambda, squaredDistance } = leastBoxShift(x, phi, 0);
    expect(lambda).toBeCloseTo(-s / 0.14, 12);
    expect(Math.sqrt(squaredDistance)).toBeCloseTo(-s / Math.sqrt(0.14), 12);
  });
});

describe('leaked-key metric', () => {
  const shape: ImageShape = { height: 2, width: 2, channels: 1 };
  const made: { dispose(): void }[] = [];
  afterAll(() => made.forEach((m) => m.dispose()));
  const keep = <T extends { dispose(): void }>(x: T): T => (made.push(x), x);
  // Values on the 8-bit grid ((b / 255 - 0.5) / 0.5) so the round trip keeps them.
  const grid = (b: number): number => (b / 255 - 0.5) / 0.5;
  const keyed = [[100, 90, 140, 120], [60, 200, 130, 128]].map((r) => r.map(grid));
  const root = [[200, 180, 120, 128], [150, 160, 140, 130]].map((r) => r.map(grid));
  const phi = [1, 0.5, -0.25, 0.1];

  function context(): MetricContext {
    return {
      root: keep(new TableGenerator(shape, Float32Array.from(root.flat()))),
      generators: [keep(new TableGenerator(shape, Float32Array.from(keyed.flat())))],
      keys: [keep(new LinearKey('key-1', shape, Float32Array.from(phi)))],
      data: keep(new MemoryImageSource(shape, Float32Array.from(root.flat()))),
      rng: createRng(1),
      samples: 4,
    };
  }

  it('reports per key the mean L2 and PSNR of the least removal and framing changes, checked by brute force', async () => {
    const result = await leakedKey.compute(context());
    const details = result.details as { perKey: { key: string; removal: { l2: number; psnr: number; alreadyAcross: number }; framing: { l2: number; psnr: number; alreadyAcross: number } }[] };
    // The table generators cycle through their rows: 4 samples are rows 0, 1, 0, 1.
    const cost = (rows: number[][], sign: 1 | -1) => {
      const distances = rows.map((x) => Math.sqrt(bruteForce(x, phi.map((p) => sign * p), 0)));
      const psnrs = distances.map((l2) => -10 * Math.log10(Math.max((l2 * l2) / 16, 1e-10)));
      return { l2: (distances[0]! + distances[1]!) / 2, psnr: (psnrs[0]! + psnrs[1]!) / 2 };
    };
    const removal = cost(keyed, 1);
    const framing = cost(root, -1);
    expect(details.perKey[0]!.key).toBe('key-1');
    expect(details.perKey[0]!.removal.l2).toBeCloseTo(removal.l2, 6);
    expect(details.perKey[0]!.removal.psnr).toBeCloseTo(removal.psnr, 4);
    expect(details.perKey[0]!.framing.l2).toBeCloseTo(framing.l2, 6);
    expect(details.perKey[0]!.framing.psnr).toBeCloseTo(framing.psnr, 4);
    expect(result.summary.removalL2).toBeCloseTo(removal.l2, 6);
    expect(result.summary.framingPsnr).toBeCloseTo(framing.psnr, 4);
    // Both keyed rows score below 0 and both root rows above: every image needs a change.
    expect(details.perKey[0]!.removal.alreadyAcross).toBe(0);
    expect(removal.l2).toBeGreaterThan(0.05);
  });

  it('counts images already across the boundary as free (L2 0, PSNR 100 dB)', () => {
    const images = Float32Array.from([0.5, 0.5, 0, 0, /**/ -0.5, -0.5, 0, 0]);
    const cost = attackCost(images, 4, Float32Array.from([1, 1, 0, 0]), 1);
    expect(cost.alreadyAcross).toBe(0.5);
    // The second image scores -1: lambda 1/2 moves it to [0, 0, 0, 0], squared distance 1/2.
    expect(cost.l2).toBeCloseTo(Math.sqrt(0.5) / 2, 6);
    expect(cost.psnr).toBeCloseTo((100 + psnrOfChange(0.5, 4)) / 2, 6);
    expect(psnrOfChange(0.5, 4)).toBeCloseTo(-10 * Math.log10(0.5 / 16), 10);
  });

  it('leaves no tensor behind over repeated evaluations', async () => {
    const ctx = context();
    await leakedKey.compute(ctx);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await leakedKey.compute(ctx);
    expect(tf.memory().numTensors).toBe(before);
  });
});
