import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { normalCdf, normalQuantile } from './special.js';
import { fitGaussianTail, tailProbability, tailQuantile } from './tail-fit.js';
import { binomialLowerTail, clopperPearson } from './binomial.js';
import { authenticProbability, chooseThreshold, countAtMost, countBelow, largestShowableCount, rateBelow } from './threshold.js';

/** n draws of N(mu, sigma^2), ascending. */
function normalSample(n: number, mu: number, sigma: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => mu + sigma * rng.normal()).sort();
}

describe('lower-tail Gaussian fit on synthetic scores', () => {
  it('recovers mu and sigma of N(3, 0.5^2) and extrapolates a 1e-6 tail within a factor 2', () => {
    const tail = fitGaussianTail(normalSample(20_000, 3, 0.5, 1));
    expect(tail.points).toBe(4000);
    expect(Math.abs(tail.mu - 3)).toBeLessThan(0.03);
    expect(Math.abs(tail.sigma - 0.5)).toBeLessThan(0.02);
    const score = 3 + 0.5 * normalQuantile(1e-6);
    const p = tailProbability(tail, score);
    expect(p).toBeGreaterThan(0.5e-6);
    expect(p).toBeLessThan(2e-6);
    expect(Math.abs(tailQuantile(tail, 1e-6) - score)).toBeLessThan(0.1);
  });

  it('is an extrapolation: on a heavier (Laplace) tail it underestimates rates far below the sample', () => {
    // Laplace(0, 1): P(S <= s) = exp(s) / 2 for s < 0, drawn by inverting that CDF.
    const rng = createRng(2);
    const scores = Float64Array.from({ length: 20_000 }, () => {
      const u = rng.uniform();
      return u < 0.5 ? Math.log(2 * Math.max(u, 1e-300)) : -Math.log(2 * (1 - u));
    }).sort();
    const tail = fitGaussianTail(scores);
    // Inside the sample (rate 1e-2) the fit is close; at 1e-6 it is far too small.
    const inside = Math.log(2 * 1e-2);
    expect(tailProbability(tail, inside) / 1e-2).toBeGreaterThan(0.5);
    expect(tailProbability(tail, inside) / 1e-2).toBeLessThan(2);
    expect(tailProbability(tail, Math.log(2 * 1e-6))).toBeLessThan(1e-7);
  });

  it('refuses a degenerate sample', () => {
    expect(() => fitGaussianTail([1, 1, 1, 1])).toThrow(/all equal/);
    expect(() => fitGaussianTail([1, 2])).toThrow(/at least 3 scores, got 2/);
  });
});

describe('thresholds for a target false-attribution rate', () => {
  it('counts below and at most a value in sorted scores with ties', () => {
    const sorted = [1, 2, 2, 2, 5];
    expect([countBelow(sorted, 2), countAtMost(sorted, 2), countBelow(sorted, 0), countAtMost(sorted, 9)]).toEqual([1, 4, 0, 5]);
  });

  it('accepts a measured bar only where the exact upper bound of the rate below it is at most the target, ties included', () => {
    const rng = createRng(4);
    const sorted = Float64Array.from({ length: 997 }, () => -10 + rng.int(40)).sort();
    const tail = fitGaussianTail(sorted);
    for (const fpr of [0.01, 0.05, 0.3]) {
      const t = chooseThreshold(sorted, tail, fpr);
      expect(t.measurable).toBe(true);
      expect(t.atThreshold.k).toBe(countBelow(sorted, t.value));
      expect(t.atThreshold.upper).toBeLessThanOrEqual(fpr);
      expect(t.value).toBe(Math.min(0, t.measuredQuantile!));
      // The allowed count is the largest whose exact upper bound is at most fpr: one more is not.
      const k = t.allowed!;
      expect(clopperPearson(k, 997).upper).toBeLessThanOrEqual(fpr);
      expect(clopperPearson(k + 1, 997).upper).toBeGreaterThan(fpr);
      expect(largestShowableCount(997, fpr)).toBe(k);
    }
  });

  it('on N(-3, 1) scores the measured 1% bar is below the true 1% quantile: its true rate Phi(t + 3) is at most 1%', () => {
    const sorted = normalSample(20_000, -3, 1, 3);
    const t = chooseThreshold(sorted, fitGaussianTail(sorted), 0.01);
    expect(t.measurable).toBe(true);
    expect(t.basis).toBe('measured');
    const truth = normalCdf(t.value + 3);
    expect(truth).toBeLessThanOrEqual(0.01);
    // It gives up little: sampling sd of the empirical 1% quantile in probability units is 7e-4.
    expect(truth).toBeGreaterThan(0.01 - 4 * 7e-4);
    // A fresh sample from the same distribution: its measured rate's interval contains the truth.
    const fresh = rateBelow(normalSample(50_000, -3, 1, 30), t.value);
    expect(fresh.lower).toBeLessThanOrEqual(truth);
    expect(fresh.upper).toBeGreaterThanOrEqual(truth);
  });

  it('over 400 seeded samples of N(0, 1), the 1e-3 bar\'s true rate exceeds 1e-3 as often as the binomial closed form says (<= 2.5%); the floor(fpr n) bar\'s does in about half', () => {
    // F(s_(k+1)) > r exactly when at most k of the n scores fall below the r-quantile: P = P(Bin(n, r) <= k).
    const n = 20_000, fpr = 1e-3, reps = 400;
    const k = largestShowableCount(n, fpr);
    const expected = binomialLowerTail(k, n, fpr);
    expect(expected).toBeLessThanOrEqual(0.025);
    const m = Math.floor(fpr * n);
    const expectedFloor = binomialLowerTail(m, n, fpr);
    expect(expectedFloor).toBeGreaterThan(0.4);
    let over = 0, overFloor = 0;
    // A measured bar does not depend on the tail fit; a fixed tail keeps the 400 repetitions fast.
    const tail = { kind: 'gaussian-lower-tail', mu: 0, sigma: 1, points: 0, n } as const;
    for (let seed = 0; seed < reps; seed++) {
      const sorted = normalSample(n, 0, 1, 1000 + seed);
      const t = chooseThreshold(sorted, tail, fpr);
      expect(t.basis).toBe('measured');
      if (normalCdf(t.value) > fpr) over += 1;
      if (normalCdf(sorted[m]!) > fpr) overFloor += 1;
    }
    // Within 3 binomial standard deviations of the closed form.
    const sd = (p: number) => Math.sqrt(reps * p * (1 - p));
    expect(Math.abs(over - reps * expected)).toBeLessThanOrEqual(3 * sd(expected) + 1);
    expect(over / reps).toBeLessThanOrEqual(0.05);
    expect(Math.abs(overFloor - reps * expectedFloor)).toBeLessThanOrEqual(3 * sd(expectedFloor));
  });

  it('a rate too low for n samples is flagged not measurable, and the sign rule binds for positive authentic scores', () => {
    const sorted = normalSample(1000, 4, 1, 5);
    const t = chooseThreshold(sorted, fitGaussianTail(sorted), 1e-3);
    expect(t.measurable).toBe(false); // 0 of 1000 bounds the rate only by 3.7e-3
    expect(t.measuredQuantile).toBeNull();
    expect(t.basis).toBe('sign');
    expect(t.value).toBe(0);
    // The extrapolated quantile at 1e-3 sits near 4 - 3.09.
    expect(Math.abs(t.extrapolatedQuantile - (4 + normalQuantile(1e-3)))).toBeLessThan(0.3);
    expect(() => chooseThreshold(sorted, fitGaussianTail(sorted), 0)).toThrow(/expected a rate between 0 and 1/);
  });

  it('where n cannot show the rate, the bar is the stricter of the fitted quantile and the lowest authentic score: none passes', () => {
    // 1999 scores (the demo's held-out and root count): 0 of 1999 bounds the rate by 1.8e-3 > 1e-3.
    const sorted = normalSample(1999, -3, 1, 8);
    const tail = fitGaussianTail(sorted);
    const t = chooseThreshold(sorted, tail, 1e-3);
    expect(t.measurable).toBe(false);
    expect(t.value).toBe(Math.min(sorted[0]!, tailQuantile(tail, 1e-3)));
    expect(t.basis).toBe(sorted[0]! <= tailQuantile(tail, 1e-3) ? 'lowest-authentic' : 'extrapolated');
    expect(t.atThreshold.k).toBe(0);
    // A heavy outlier below the fitted tail's quantile (as on the demo's key-5): the bar goes below it.
    const outlier = Float64Array.from([-10.5, ...sorted.subarray(1)]).sort();
    const o = chooseThreshold(outlier, fitGaussianTail(outlier), 1e-3);
    expect(o.basis).toBe('lowest-authentic');
    expect(o.value).toBe(-10.5);
    expect(countBelow(outlier, o.value)).toBe(0);
  });

  it('extrapolated bars on N(0, 1): over 200 seeded samples of 1999 the true rate is at most 1e-3 in 4 of 5 and within a factor 2 nearly always (199 of 200)', () => {
    let within = 0, atMost = 0;
    for (let seed = 0; seed < 200; seed++) {
      const sorted = normalSample(1999, 0, 1, 5000 + seed);
      const t = chooseThreshold(sorted, fitGaussianTail(sorted), 1e-3);
      const truth = normalCdf(t.value);
      if (truth <= 2e-3) within += 1;
      if (truth <= 1e-3) atMost += 1;
    }
    expect(within / 200).toBeGreaterThanOrEqual(0.95);
    expect(atMost / 200).toBeGreaterThanOrEqual(0.8); // 175 of 200 at seeds 5000-5199
  });

  it('the probability that an authentic score is this low: measured with exact bounds, and extrapolated below 1/n', () => {
    const sorted = normalSample(1000, 4, 1, 6);
    const tail = fitGaussianTail(sorted);
    const low = authenticProbability(sorted, tail, -2);
    expect(low.measured.k).toBe(0);
    expect(low.measured.upper).toBeCloseTo(1 - Math.pow(0.025, 1 / 1000), 10);
    expect(low.extrapolated / normalCdf(-6)).toBeGreaterThan(0.1);
    expect(low.extrapolated / normalCdf(-6)).toBeLessThan(10);
    const median = authenticProbability(sorted, tail, sorted[499]!);
    expect(median.measured.k).toBe(500);
  });
});
