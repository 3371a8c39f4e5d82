import { describe, expect, it } from 'vitest';
import { binomialLowerTail, binomialUpperTail, clopperPearson } from './binomial.js';

/** Binomial pmf in float64 from summed logs (independent of the incomplete beta). */
function pmf(i: number, n: number, p: number): number {
  let logC = 0;
  for (let j = 1; j <= i; j++) logC += Math.log(n - i + j) - Math.log(j);
  if (p === 0) return i === 0 ? 1 : 0;
  if (p === 1) return i === n ? 1 : 0;
  return Math.exp(logC + i * Math.log(p) + (n - i) * Math.log1p(-p));
}
const sumAtLeast = (k: number, n: number, p: number) => { let s = 0; for (let i = k; i <= n; i++) s += pmf(i, n, p); return s; };
const sumAtMost = (k: number, n: number, p: number) => { let s = 0; for (let i = 0; i <= k; i++) s += pmf(i, n, p); return s; };

describe('exact binomial tails and Clopper-Pearson bounds', () => {
  it('the tails match float64 sums of the pmf', () => {
    for (const n of [1, 5, 20, 60]) {
      for (let k = 0; k <= n; k++) {
        for (const p of [0.001, 0.1, 0.5, 0.93]) {
          expect(binomialUpperTail(k, n, p)).toBeCloseTo(sumAtLeast(k, n, p), 12);
          expect(binomialLowerTail(k, n, p)).toBeCloseTo(sumAtMost(k, n, p), 12);
        }
      }
    }
  });

  it('k = 0 and k = n have closed forms: upper 1 - (alpha/2)^(1/n), lower (alpha/2)^(1/n)', () => {
    for (const n of [1, 2, 3, 10, 1000, 100_000]) {
      for (const confidence of [0.9, 0.95, 0.99]) {
        const half = (1 - confidence) / 2;
        const none = clopperPearson(0, n, confidence);
        expect(none.lower).toBe(0);
        expect(none.upper / -Math.expm1(Math.log(half) / n)).toBeCloseTo(1, 10);
        const all = clopperPearson(n, n, confidence);
        expect(all.upper).toBe(1);
        expect(all.lower / Math.exp(Math.log(half) / n)).toBeCloseTo(1, 10);
      }
    }
    // The rule of three's exact form: 0 of 1,000 bounds the rate by 3.682e-3 at 95%.
    expect(clopperPearson(0, 1000).upper).toBeCloseTo(3.682e-3, 6);
  });

  it('at each bound the binomial tail (a float64 pmf sum) is exactly alpha/2, for every k of small n', () => {
    for (const n of [1, 2, 7, 20, 45]) {
      for (let k = 0; k <= n; k++) {
        const { lower, upper } = clopperPearson(k, n);
        if (k > 0) expect(sumAtLeast(k, n, lower)).toBeCloseTo(0.025, 10);
        if (k < n) expect(sumAtMost(k, n, upper)).toBeCloseTo(0.025, 10);
        expect(lower).toBeLessThanOrEqual(k / n);
        expect(upper).toBeGreaterThanOrEqual(k / n);
      }
    }
  });

  it('covers the true rate with probability >= 95% (exact coverage, summed over every k)', () => {
    const n = 50;
    const intervals = Array.from({ length: n + 1 }, (_, k) => clopperPearson(k, n));
    for (let p = 0.005; p < 1; p += 0.01) {
      let coverage = 0;
      for (let k = 0; k <= n; k++) if (intervals[k]!.lower <= p && p <= intervals[k]!.upper) coverage += pmf(k, n, p);
      expect(coverage, `p = ${p}`).toBeGreaterThanOrEqual(0.95 - 1e-12);
    }
  });

  it('names a bad count in a one-line error', () => {
    expect(() => clopperPearson(5, 3)).toThrow(/event count must be a whole number in \[0, 3\], got 5/);
    expect(() => clopperPearson(0, 0)).toThrow(/no trials/);
    expect(() => clopperPearson(1, 10, 1)).toThrow(/confidence must be in \(0, 1\), got 1/);
  });
});
