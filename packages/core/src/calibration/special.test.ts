import { describe, expect, it } from 'vitest';
import { inverseRegularizedBeta, logGamma, normalCdf, normalQuantile, regularizedBeta, regularizedGammaQ } from './special.js';

/** ln k! by summing logs: independent of the Lanczos series. */
const logFactorial = (k: number): number => {
  let s = 0;
  for (let j = 2; j <= k; j++) s += Math.log(j);
  return s;
};

/** I_x(a, b) for whole a, b as the binomial sum it equals: P(Binomial(a + b - 1, x) >= a), in float64. */
function betaBySum(x: number, a: number, b: number): number {
  const n = a + b - 1;
  let sum = 0;
  for (let j = a; j <= n; j++) sum += Math.exp(logFactorial(n) - logFactorial(j) - logFactorial(n - j) + j * Math.log(x) + (n - j) * Math.log1p(-x));
  return sum;
}

/** The standard normal's lower tail by composite Simpson over [z - 40, z]: a quadrature reference. */
function normalTailBySimpson(z: number): number {
  const steps = 200_000, a = z - 40, h = (z - a) / steps;
  const f = (t: number) => Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
  let sum = f(a) + f(z);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

describe('special functions', () => {
  it('logGamma matches ln (n-1)! and ln sqrt(pi)', () => {
    for (const n of [1, 2, 3, 10, 50, 171]) expect(logGamma(n)).toBeCloseTo(logFactorial(n - 1), 9);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
  });

  it('regularizedBeta matches its closed forms I_x(1, b) = 1 - (1-x)^b and I_x(a, 1) = x^a', () => {
    for (const x of [1e-6, 0.01, 0.3, 0.5, 0.9, 0.999]) {
      for (const m of [1, 2, 7, 100, 5000]) {
        expect(regularizedBeta(x, 1, m)).toBeCloseTo(-Math.expm1(m * Math.log1p(-x)), 12);
        if (Math.pow(x, m) > 1e-290) expect(regularizedBeta(x, m, 1) / Math.pow(x, m)).toBeCloseTo(1, 10);
      }
    }
  });

  it('regularizedBeta matches float64 binomial sums for whole a, b', () => {
    for (const [a, b] of [[2, 3], [5, 5], [1, 30], [12, 4], [20, 21], [3, 60]] as const) {
      for (const x of [0.001, 0.05, 0.2, 0.5, 0.77, 0.95]) {
        const ref = betaBySum(x, a, b);
        expect(Math.abs(regularizedBeta(x, a, b) - ref)).toBeLessThan(1e-12 + 1e-10 * ref);
      }
    }
  });

  it('inverseRegularizedBeta inverts regularizedBeta', () => {
    for (const [a, b] of [[1, 1], [2, 50], [40, 3], [0.5, 0.5], [300, 700]] as const) {
      for (const p of [1e-8, 0.025, 0.5, 0.975]) {
        const x = inverseRegularizedBeta(p, a, b);
        expect(Math.abs(regularizedBeta(x, a, b) - p)).toBeLessThan(1e-12 + 1e-9 * p);
      }
    }
  });

  it('regularizedGammaQ matches Q(1, x) = exp(-x) and Q(2, x) = (1 + x) exp(-x)', () => {
    for (const x of [0.01, 0.5, 1, 3, 10, 40]) {
      expect(regularizedGammaQ(1, x) / Math.exp(-x)).toBeCloseTo(1, 12);
      expect(regularizedGammaQ(2, x) / ((1 + x) * Math.exp(-x))).toBeCloseTo(1, 12);
    }
  });

  it('normalCdf matches a Simpson quadrature of the density, into the far tail', () => {
    for (const z of [-8, -5, -3.09, -1.96, -1, -0.1]) {
      const ref = normalTailBySimpson(z);
      expect(normalCdf(z) / ref).toBeCloseTo(1, 9);
      expect(normalCdf(-z)).toBeCloseTo(1 - ref, 12);
    }
    expect(normalCdf(0)).toBe(0.5);
  });

  it('normalQuantile inverts normalCdf and gives the textbook z values', () => {
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 9);
    expect(normalQuantile(1e-3)).toBeCloseTo(-3.090232306167813, 9);
    for (const p of [1e-12, 1e-6, 0.3, 0.5, 0.99]) expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 9);
  });

  it('rejects arguments outside the domain with one-line errors', () => {
    expect(() => regularizedBeta(1.5, 1, 1)).toThrow(/expected 0 <= x <= 1, got 1.5/);
    expect(() => normalQuantile(0)).toThrow(/expected 0 < p < 1, got 0/);
  });
});
