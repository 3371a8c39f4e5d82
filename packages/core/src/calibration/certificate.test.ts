import { describe, expect, it } from 'vitest';
import { clopperPearson } from './binomial.js';
import { certify, keyPairAngles } from './certificate.js';

describe('keyPairAngles', () => {
  it('gives 90 degrees for orthogonal keys, 45 and 135 for the diagonals', () => {
    const pairs = keyPairAngles([
      { id: 'a', vector: [1, 0, 0] }, { id: 'b', vector: [0, 2, 0] }, { id: 'c', vector: [1, 1, 0] }, { id: 'd', vector: [-1, 0, 1] },
    ]);
    const byPair = new Map(pairs.map((p) => [p.keys.join('-'), p]));
    expect(byPair.get('a-b')).toMatchObject({ cosine: 0, degrees: 90 });
    expect(byPair.get('a-c')!.degrees).toBeCloseTo(45, 12);
    expect(byPair.get('a-d')!.degrees).toBeCloseTo(135, 12);
    expect(pairs).toHaveLength(6);
  });
});

describe('certify', () => {
  it('counts distinguishability, the bound 1 - N delta and the pooled attributability from known scores', () => {
    const keys = [{ id: 'k1', vector: [1, 0] }, { id: 'k2', vector: [0, 1] }];
    // Held-out: key 1 leaves 9 of 10 unclaimed, key 2 all 10.
    const heldOut = [[1, 1, 1, 1, 1, 1, 1, 1, 1, -1], Array(10).fill(2)];
    // Generator 1 (8 samples): key 1 claims 7; sample 0 is also claimed by key 2 (not attributable).
    const g1 = [[-1, -1, -1, -1, -1, -1, -1, 3], [-0.5, 1, 1, 1, 1, 1, 1, 1]];
    // Generator 2 (8 samples): key 2 claims all; key 1 leaves them all.
    const g2 = [Array(8).fill(1), Array(8).fill(-1)];
    // Root samples: key 1 scores them 2..4, key 2 scores them 1..5.
    const root = [[2, 3, 4], [1, 5, 3]];
    const c = certify(keys, heldOut, root, [g1, g2]);
    // Key 1 claims one held-out image (-1): not data-compliant, d_min = -1, so a < 0 and the orthogonal pair fails it.
    expect(c.keys[0]!.extent).toMatchObject({ dMin: -1, dMax: 4, n: 13, notCompliant: 1 });
    expect(c.keys[1]!.extent).toMatchObject({ dMin: 1, dMax: 5, n: 13, notCompliant: 0 });
    expect(c.pairs[0]).toMatchObject({ cosine: 0, angleBound: Math.min(1 / 4, -1 / 5), holds: false, orthogonal: true });
    expect(c.condition).toBe(false);
    expect(c.orthogonal).toBe(true);
    expect(c.keys[0]).toMatchObject({ realUnclaimed: clopperPearson(9, 10), ownClaimed: clopperPearson(7, 8) });
    expect(c.keys[0]!.delta).toBeCloseTo(1 - (0.9 + 7 / 8) / 2, 15);
    expect(c.keys[1]!.delta).toBe(0);
    expect(c.delta).toBeCloseTo(1 - (0.9 + 7 / 8) / 2, 15);
    expect(c.bound).toBeCloseTo(1 - 2 * c.delta, 15);
    // Generator 1: samples 1..6 attributable (0 claimed twice, 7 unclaimed); generator 2: all 8.
    expect(c.perGenerator[0]!.attributability).toEqual(clopperPearson(6, 8));
    expect(c.attributability).toEqual(clopperPearson(14, 16));
    // With two keys the pair is the whole run.
    expect(c.pairs[0]!.attributability).toEqual(clopperPearson(14, 16));
    expect(c.pairs[0]!.guaranteed).toBeCloseTo(c.bound, 15);
    // The conservative delta takes the intervals' worse ends at 1 - 0.05/4 each.
    const low = (k: number, n: number) => clopperPearson(k, n, 1 - 0.05 / 4).lower;
    expect(c.keys[0]!.deltaUpper).toBeCloseTo(1 - (low(9, 10) + low(7, 8)) / 2, 15);
    expect(c.boundLower).toBeLessThan(c.bound);
  });

  it('a pair closer than 90 degrees can still meet the data-dependent bound, and one further in cannot', () => {
    // Unit-ish keys; authentic scores 1..2 under each (d_min 1, d_max 2 / |phi|): a = 1/2 / |phi|^0 for unit keys.
    const near = [{ id: 'a', vector: [1, 0] }, { id: 'b', vector: [Math.cos(1), Math.sin(1)] }]; // 57.3 degrees, cos 0.540
    const auth = [[1, 2], [1, 2]];
    const c = certify(near, auth, auth, [[[-1], [1]], [[1], [-1]]]);
    expect(c.pairs[0]!.angleBound).toBeCloseTo(0.5, 15);
    expect(c.pairs[0]!.minDegrees).toBeCloseTo(60, 12);
    expect(c.pairs[0]!.holds).toBe(false);
    expect(c.pairs[0]!.orthogonal).toBe(false);
    const wide = [{ id: 'a', vector: [1, 0] }, { id: 'b', vector: [Math.cos(1.1), Math.sin(1.1)] }]; // 63.0 degrees, cos 0.454
    const w = certify(wide, auth, auth, [[[-1], [1]], [[1], [-1]]]);
    expect(w.pairs[0]!.holds).toBe(true);
    expect(w.condition).toBe(true);
    expect(w.orthogonal).toBe(false);
    const c2 = certify([{ id: 'a', vector: [1, 0.01] }, { id: 'b', vector: [0, 1] }], [[1], [1]], [[1], [1]], [[[-1], [1]], [[1], [-1]]]);
    expect(c2.pairs[0]!.orthogonal).toBe(false);
    expect(c2.attributability).toEqual(clopperPearson(2, 2));
    // Exactly orthogonal keys stored in float32 keep a cosine of ~1e-8: still at 90 degrees.
    const rounded = certify([{ id: 'a', vector: [1, 1e-8] }, { id: 'b', vector: [0, 1] }], [[1], [1]], [[1], [1]], [[[-1], [1]], [[1], [-1]]]);
    expect(rounded.pairs[0]!.cosine).toBeGreaterThan(0);
    expect(rounded.pairs[0]!.orthogonal).toBe(true);
  });
});
