import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageShape } from '../contracts/image.js';
import type { MetricContext } from '../contracts/metric.js';
import { LinearKey } from '../keys/linear-key.js';
import { useBackend } from '@attrib/testing/backend';
import { MemoryImageSource } from '@attrib/testing/memory-source';
import { matrixPostProcess, posterizePostProcess } from '@attrib/testing/post-processes';
import { TableGenerator } from '@attrib/testing/table-generator';
import { createRng } from '../util/rng.js';
import { floor } from './floor.js';

beforeAll(() => useBackend('cpu'));

// Images of 1 row, 2 pixels, 2 channels: HWC order (p0c0, p0c1, p1c0, p1c1) differs from CHW
// (p0c0, p1c0, p0c1, p1c1), so a metric flattening in the wrong order gets other numbers.
const shape: ImageShape = { height: 1, width: 2, channels: 2 };
// Keys in HWC order.
const keyValues = [[2, 1, -1, 0.5], [0.5, -2, 1.5, 1]];
// Root rows: authentic-looking, most scoring above +1 under both keys, some needing clipping
// on the way to the keyed side; the last scores <= -1 under key 1 already (floor 0 there).
const rootTable = [
  0.9, 0.5, -0.8, 0.2, /**/ 0.95, -0.9, 0.3, 0.7, /**/ -0.2, 0.6, -0.9, 0.9, /**/ 0.4, 0.4, 0.4, 0.4, /**/ -0.9, -0.5, 0.3, -0.2,
];
const generatorTables = [
  [0.1, 0.2, -0.3, 0.4, /**/ -0.5, 0.6, 0.7, -0.8, /**/ 0.9, -1, 0, 0.1, /**/ 0.2, 0.3, 0.4, 0.5, /**/ -0.6, 0.7, 0.8, 0.9],
  [0, 0, 0, 0, /**/ 0.5, 0.5, 0.5, 0.5, /**/ -0.5, -0.5, -0.5, -0.5, /**/ 1, -1, 1, -1, /**/ 0.3, 0.3, -0.3, -0.3],
];

/** Independent float64 reference of the floor of one image: bisection on lambda, then the distance. */
function floorByBisection(x0: number[], phi: number[]): number {
  const at = (lambda: number) => x0.map((x, i) => Math.min(1, Math.max(-1, x - lambda * phi[i]!)));
  const score = (lambda: number) => at(lambda).reduce((s, x, i) => s + x * phi[i]!, 0);
  if (score(0) <= -1) return 0;
  let lo = 0;
  let hi = 1;
  while (score(hi) > -1) hi *= 2;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (score(mid) <= -1) hi = mid;
    else lo = mid;
  }
  return Math.hypot(...at(hi).map((x, i) => x - x0[i]!));
}

const rows = (values: number[]) => Array.from({ length: values.length / 4 }, (_, r) => values.slice(r * 4, r * 4 + 4));
const made: { dispose(): void }[] = [];
afterAll(() => made.forEach((m) => m.dispose()));
const keep = <T extends { dispose(): void }>(x: T): T => (made.push(x), x);

function context(extra: Partial<MetricContext> = {}): MetricContext {
  return {
    root: keep(new TableGenerator(shape, Float32Array.from(rootTable))),
    generators: generatorTables.map((t) => keep(new TableGenerator(shape, Float32Array.from(t)))),
    keys: keyValues.map((v, i) => keep(new LinearKey(`key-${i + 1}`, shape, Float32Array.from(v)))),
    data: keep(new MemoryImageSource(shape, Float32Array.from(rootTable))),
    rng: createRng(1),
    samples: 10,
    batchSize: 3,
    ...extra,
  };
}

describe('floor', () => {
  it('is, per key, the mean float64 projection distance of the root samples, beside the L2 on the same inputs and the ratio', async () => {
    const result = await floor.compute(context());
    const root = rows(rootTable);
    const floors = keyValues.map((phi) => root.reduce((s, x) => s + floorByBisection(x, phi), 0) / root.length);
    const l2s = generatorTables.map((t) => rows(t).reduce((s, x, r) => s + Math.hypot(...x.map((v, k) => v - root[r]![k]!)), 0) / root.length);
    const perKey = result.details!.perKey as { key: string; floor: number; l2: number; ratio: number }[];
    expect(perKey.map((p) => p.key)).toEqual(['key-1', 'key-2']);
    perKey.forEach((p, i) => {
      expect(p.floor).toBeCloseTo(floors[i]!, 6);
      expect(p.l2).toBeCloseTo(l2s[i]!, 5);
      expect(p.ratio).toBeCloseTo(l2s[i]! / floors[i]!, 5);
    });
    // The last root row is on key 1's keyed side already: it adds nothing there.
    expect(floorByBisection(root[4]!, keyValues[0]!)).toBe(0);
    const meanFloor = (floors[0]! + floors[1]!) / 2;
    expect(result.summary.mean).toBeCloseTo(meanFloor, 6);
    expect(result.summary.std).toBeCloseTo(Math.abs(floors[0]! - floors[1]!) / 2, 6);
    expect(result.summary.l2).toBeCloseTo((l2s[0]! + l2s[1]!) / 2, 5);
    expect(result.summary.ratio).toBeCloseTo((l2s[0]! + l2s[1]!) / 2 / meanFloor, 5);
    expect(result.details!.samples).toBe(10);
  });

  it('flattens images in HWC, the order of the keys (CHW gives other floors)', async () => {
    const result = await floor.compute(context());
    const chw = (x: number[]) => [x[0]!, x[2]!, x[1]!, x[3]!];
    const wrong = keyValues.map((phi) => rows(rootTable).reduce((s, x) => s + floorByBisection(chw(x), phi), 0) / 5);
    const perKey = result.details!.perKey as { floor: number }[];
    perKey.forEach((p, i) => expect(Math.abs(p.floor - wrong[i]!)).toBeGreaterThan(0.01));
  });

  it('in parts combines to exactly the whole, leaving no tensor', async () => {
    const whole = await floor.compute(context());
    for (const count of [1, 2, 4]) {
      const partials: unknown[] = [];
      for (let index = 0; index < count; index++) {
        // A fresh context per part, as in a worker thread: table generators hand out rows in turn.
        const ctx = context();
        const before = tf.memory().numTensors;
        partials.push(await floor.parts!.compute(ctx, index, count));
        expect(tf.memory().numTensors).toBe(before);
      }
      expect(floor.parts!.combine(context(), partials)).toEqual(whole);
    }
  });

  it('under a linear post-process T = M x is the projection along M^T phi (float64), beside the L2 of the images themselves', async () => {
    // A mix of the 4 values (not symmetric, so M^T and M differ).
    const m = [0.6, 0.3, 0, 0.1, /**/ 0, 0.5, 0.5, 0, /**/ 0.2, 0, 0.7, 0.1, /**/ -0.1, 0.2, 0, 0.9];
    const result = await floor.compute(context({ postProcess: matrixPostProcess(m) }));
    const root = rows(rootTable);
    const through = (phi: number[]) => phi.map((_, j) => phi.reduce((s, p, i) => s + m[i * 4 + j]! * p, 0));
    const floors = keyValues.map((phi) => root.reduce((s, x) => s + floorByBisection(x, through(phi)), 0) / root.length);
    const plain = keyValues.map((phi) => root.reduce((s, x) => s + floorByBisection(x, phi), 0) / root.length);
    const l2s = generatorTables.map((t) => rows(t).reduce((s, x, r) => s + Math.hypot(...x.map((v, k) => v - root[r]![k]!)), 0) / root.length);
    const perKey = result.details!.perKey as { floor: number; l2: number }[];
    perKey.forEach((p, i) => {
      expect(p.floor).toBeCloseTo(floors[i]!, 5);
      expect(Math.abs(p.floor - plain[i]!)).toBeGreaterThan(0.01);
      expect(p.l2).toBeCloseTo(l2s[i]!, 5);
    });
    expect(result.details!.postProcess).toBe('test-matrix');
  });

  it('is refused under a post-process without a linear part, with a one-line error', async () => {
    await expect(floor.compute(context({ postProcess: posterizePostProcess() }))).rejects.toThrow(/^floor: post-process test-posterize has no linear part/);
  });
});
