import { describe, expect, it } from 'vitest';
import { angleBound, boundDegrees, keyExtent } from './angle-bound.js';
import { certify } from './certificate.js';

const rad = (deg: number) => (deg * Math.PI) / 180;

describe('keyExtent and angleBound', () => {
  it('measures d_min and d_max in units of the unit key, and a = min(d_min(j) / d_max(i), d_min(i) / d_max(j))', () => {
    // phi = (2, 0): raw scores of (1, 5), (3, -1), (2, 2) are 2, 6, 4, i.e. 1, 3, 2 for the unit key.
    const e1 = keyExtent('k1', 2, [2, 6, 4]);
    expect(e1).toEqual({ key: 'k1', norm: 2, dMin: 1, dMax: 3, n: 3, notCompliant: 0 });
    const e2 = keyExtent('k2', 1, [2, 4, 3]);
    expect(angleBound(e1, e2)).toBe(Math.min(2 / 3, 1 / 4));
    expect(angleBound(e2, e1)).toBe(angleBound(e1, e2));
    expect(boundDegrees(0.25)).toBeCloseTo((Math.acos(0.25) * 180) / Math.PI, 12);
    expect([boundDegrees(2), boundDegrees(-3)]).toEqual([0, 180]);
  });

  it('a key that claims an authentic image is not data-compliant: d_min < 0 and a < 0, so 90 degrees no longer suffices', () => {
    const e = keyExtent('k', 1, [-0.5, 2, 3]);
    expect(e.notCompliant).toBe(1);
    expect(e.dMin).toBe(-0.5);
    expect(angleBound(e, keyExtent('m', 1, [1, 4]))).toBe(Math.min(1 / 3, -0.5 / 4));
    expect(() => keyExtent('z', 0, [1])).toThrow(/key z has norm 0; expected a nonzero key/);
  });
});

describe('the bound on the shifted-root model it is derived from', () => {
  // Authentic images: a 2-D fan, angles 20..70 degrees (step 1) at radii 1, 1.5, 2. Key 1 points
  // along 0 degrees, key 2 along theta; both leave every image unclaimed for theta in [0, 100].
  const points: [number, number][] = [];
  for (let a = 20; a <= 70; a++) for (const r of [1, 1.5, 2]) points.push([r * Math.cos(rad(a)), r * Math.sin(rad(a))]);
  const dot = (k: readonly number[], p: readonly number[]) => k[0]! * p[0]! + k[1]! * p[1]!;

  it('the extents are the closed forms of the fan: d_min = cos(largest offset), d_max = 2 cos(smallest offset)', () => {
    for (const theta of [0, 30, 45, 80]) {
      const key = [Math.cos(rad(theta)), Math.sin(rad(theta))];
      const e = keyExtent('k', 1, points.map((p) => dot(key, p)));
      const far = Math.max(Math.abs(20 - theta), Math.abs(70 - theta));
      const near = theta < 20 ? 20 - theta : theta > 70 ? theta - 70 : 0;
      expect(e.dMin).toBeCloseTo(Math.cos(rad(far)), 12);
      expect(e.dMax).toBeCloseTo(2 * Math.cos(rad(near)), 12);
    }
  });

  it('keys meeting cos <= a attribute every shifted sample G_i(x) = x - d_max(phi_i) phi_i; keys beyond it do not', () => {
    let held = 0, failed = 0;
    for (let theta = 0; theta <= 100; theta++) {
      const keys = [{ id: 'k1', vector: [1, 0] }, { id: 'k2', vector: [Math.cos(rad(theta)), Math.sin(rad(theta))] }];
      const authentic = keys.map((k) => points.map((p) => dot(k.vector, p)));
      const extents = keys.map((k, i) => keyExtent(k.id, 1, authentic[i]!));
      const a = angleBound(extents[0]!, extents[1]!);
      const cos = Math.cos(rad(theta));
      if (Math.abs(cos - a) < 1e-6) continue;
      // Each generator shifts every authentic image by (d_max + 1e-9) along minus its key.
      const generated = keys.map((k, i) => {
        const gamma = extents[i]!.dMax + 1e-9;
        const samples = points.map((p) => [p[0] - gamma * k.vector[0]!, p[1] - gamma * k.vector[1]!]);
        return keys.map((kk) => samples.map((s) => dot(kk.vector, s)));
      });
      const c = certify(keys, authentic, authentic, generated);
      expect(c.pairs[0]!.angleBound).toBeCloseTo(a, 12);
      expect(c.pairs[0]!.holds).toBe(cos <= a);
      if (cos <= a) {
        held += 1;
        expect(c.attributability.rate).toBe(1);
      } else {
        failed += 1;
        expect(c.attributability.rate).toBeLessThan(1);
      }
    }
    // The bound binds inside the range: some angles hold, some fail (e.g. theta = 0 fails, 90 holds).
    expect(held).toBeGreaterThan(10);
    expect(failed).toBeGreaterThan(10);
  });
});
