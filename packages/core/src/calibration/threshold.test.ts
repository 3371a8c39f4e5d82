import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { normalCdf, normalQuantile } from './special.js';
import { fitGaussianTail, tailProbability, tailQuantile } from './tail-fit.js';
import { authenticProbability, chooseThreshold, countAtMost, countBelow, rateBelow } from './threshold.js';

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

  it('the measured quantile leaves at most floor(fpr * n) authentic scores below it, ties included', () => {
    const rng = createRng(4);
    const sorted = Float64Array.from({ length: 997 }, () => -10 + rng.int(40)).sort();
    const tail = fitGaussianTail(sorted);
    for (const fpr of [1e-3, 0.01, 0.05, 0.3]) {
      const t = chooseThreshold(sorted, tail, fpr);
      expect(countBelow(sorted, t.measuredQuantile)).toBeLessThanOrEqual(Math.floor(fpr * 997));
      expect(t.value).toBe(Math.min(0, t.measuredQuantile, t.extrapolatedQuantile));
    }
  });

  it('on N(-3, 1) scores, the 1% threshold has a true rate Phi(t + 3) near 1% and a measured rate whose exact bounds hold it', () => {
    const sorted = normalSample(20_000, -3, 1, 3);
    const t = chooseThreshold(sorted, fitGaussianTail(sorted), 0.01);
    expect(t.measurable).toBe(true);
    expect(t.basis).not.toBe('sign');
    // Sampling sd of the empirical 1% quantile in probability units: sqrt(0.01 * 0.99 / 20000) = 7e-4.
    const truth = normalCdf(t.value + 3);
    expect(truth).toBeGreaterThan(0.01 - 3 * 7e-4);
    expect(truth).toBeLessThanOrEqual(0.01 + 3 * 7e-4);
    // A fresh sample from the same distribution: its measured rate's interval contains the truth.
    const fresh = rateBelow(normalSample(50_000, -3, 1, 30), t.value);
    expect(fresh.lower).toBeLessThanOrEqual(truth);
    expect(fresh.upper).toBeGreaterThanOrEqual(truth);
  });

  it('a rate too low for n samples is flagged not measurable, and the sign rule binds for positive authentic scores', () => {
    const sorted = normalSample(1000, 4, 1, 5);
    const t = chooseThreshold(sorted, fitGaussianTail(sorted), 1e-3);
    expect(t.measurable).toBe(false); // 0 of 1000 bounds the rate only by 3.7e-3
    expect(t.basis).toBe('sign');
    expect(t.value).toBe(0);
    // The extrapolated quantile at 1e-3 sits near 4 - 3.09.
    expect(Math.abs(t.extrapolatedQuantile - (4 + normalQuantile(1e-3)))).toBeLessThan(0.3);
    expect(() => chooseThreshold(sorted, fitGaussianTail(sorted), 0)).toThrow(/expected a rate between 0 and 1/);
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
