import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinearKey } from '../keys/linear-key.js';
import { useBackend } from '@attrib/testing/backend';
import { syntheticSetup, type SyntheticSetup } from '@attrib/testing/synthetic';
import { createRng } from '../util/rng.js';
import { trainKey } from './key-stage.js';
import type { StageContext } from './context.js';

let setup: SyntheticSetup;
let earlier: LinearKey[];
beforeAll(async () => {
  await useBackend('cpu');
  setup = syntheticSetup(256);
  earlier = [1, 2, 3].map((seed) => LinearKey.random(`key-${seed}`, setup.root.imageShape, createRng(seed)));
});
afterAll(() => {
  earlier.forEach((k) => k.dispose());
  setup.dispose();
});

/** cos between two keys, in float64 from their values. */
function cosine(a: LinearKey, b: LinearKey): number {
  const x = a.vector.dataSync();
  const y = b.vector.dataSync();
  let xy = 0, xx = 0, yy = 0;
  for (let i = 0; i < x.length; i++) {
    xy += x[i]! * y[i]!;
    xx += x[i]! * x[i]!;
    yy += y[i]! * y[i]!;
  }
  return xy / Math.sqrt(xx * yy);
}

describe("the key stage's exact angle term (issue 21)", () => {
  it('keeps a new key at 90 degrees from every earlier one, where the release term only approaches it, and the authentic data on its side', async () => {
    const options = { epochs: 3, stepsPerEpoch: 40, batchSize: 64, lrKey: 2e-2, lrDecay: 1 };
    const before = tf.memory().numTensors;
    const exact = await trainKey({ root: setup.root, data: setup.data, rng: createRng(8) } satisfies StageContext, earlier, 'key-4', { ...options, angleTerm: 'exact' });
    const release = await trainKey({ root: setup.root, data: setup.data, rng: createRng(8) } satisfies StageContext, earlier, 'key-4', options);
    const worst = (key: LinearKey) => Math.max(...earlier.map((k) => Math.abs(cosine(k, key))));
    expect(worst(exact.key)).toBeLessThan(1e-5);
    expect(worst(release.key)).toBeGreaterThan(worst(exact.key));
    // No angle term in the loss; the hinges are what it reports.
    expect(exact.history.at(-1)!.losses.angle).toBeUndefined();
    const realShare = exact.history.at(-1)!.report.realShare!;
    expect(realShare).toBeGreaterThan(0.9);
    exact.key.dispose();
    release.key.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
