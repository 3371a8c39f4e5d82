import { describe, expect, it } from 'vitest';
import { clopperPearson } from './binomial.js';
import { certify, keyPairAngles } from './certificate.js';

describe('keyPairAngles', () => {
  it('gives 90 degrees for orthogonal keys (holds), 45 and 135 for the diagonals (45 fails, 135 holds)', () => {
    const pairs = keyPairAngles([
      { id: 'a', vector: [1, 0, 0] }, { id: 'b', vector: [0, 2, 0] }, { id: 'c', vector: [1, 1, 0] }, { id: 'd', vector: [-1, 0, 1] },
    ]);
    const byPair = new Map(pairs.map((p) => [p.keys.join('-'), p]));
    expect(byPair.get('a-b')).toMatchObject({ cosine: 0, degrees: 90, holds: true });
    expect(byPair.get('a-c')!.degrees).toBeCloseTo(45, 12);
    expect(byPair.get('a-c')!.holds).toBe(false);
    expect(byPair.get('a-d')!.degrees).toBeCloseTo(135, 12);
    expect(byPair.get('a-d')!.holds).toBe(true);
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
    const c = certify(keys, heldOut, [g1, g2]);
    expect(c.condition).toBe(true);
    expect(c.keys[0]).toMatchObject({ realUnclaimed: clopperPearson(9, 10), ownClaimed: clopperPearson(7, 8) });
    expect(c.keys[0]!.delta).toBeCloseTo(1 - (0.9 + 7 / 8) / 2, 15);
    expect(c.keys[1]!.delta).toBe(0);
    expect(c.delta).toBeCloseTo(1 - (0.9 + 7 / 8) / 2, 15);
    expect(c.bound).toBeCloseTo(1 - 2 * c.delta, 15);
    // Generator 1: samples 1..6 attributable (0 claimed twice, 7 unclaimed); generator 2: all 8.
    expect(c.perGenerator[0]!.attributability).toEqual(clopperPearson(6, 8));
    expect(c.attributability).toEqual(clopperPearson(14, 16));
    // The conservative delta takes the intervals' worse ends at 1 - 0.05/4 each.
    const low = (k: number, n: number) => clopperPearson(k, n, 1 - 0.05 / 4).lower;
    expect(c.keys[0]!.deltaUpper).toBeCloseTo(1 - (low(9, 10) + low(7, 8)) / 2, 15);
    expect(c.boundLower).toBeLessThan(c.bound);
  });

  it('reports the condition failing when one pair is closer than 90 degrees', () => {
    const c = certify([{ id: 'a', vector: [1, 0.01] }, { id: 'b', vector: [0, 1] }], [[1], [1]], [[[-1], [1]], [[1], [-1]]]);
    expect(c.pairs[0]!.holds).toBe(false);
    expect(c.condition).toBe(false);
    expect(c.attributability).toEqual(clopperPearson(2, 2));
  });
});
