import { inverseRegularizedBeta, regularizedBeta } from './special.js';

/** A proportion k / n with its exact (Clopper-Pearson) two-sided confidence interval. */
export interface MeasuredRate {
  /** Events counted (false attributions, detections, ...). */
  readonly k: number;
  /** Trials. */
  readonly n: number;
  /** k / n. */
  readonly rate: number;
  /** Lower end of the interval (0 when k = 0). */
  readonly lower: number;
  /** Upper end of the interval (1 when k = n). */
  readonly upper: number;
  /** Confidence of the interval, e.g. 0.95. */
  readonly confidence: number;
}

/** P(X >= k) for X ~ Binomial(n, p), exactly: I_p(k, n - k + 1). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  checkCounts(k, n);
  if (k === 0) return 1;
  return regularizedBeta(p, k, n - k + 1);
}

/** P(X <= k) for X ~ Binomial(n, p), exactly: 1 - I_p(k + 1, n - k). */
export function binomialLowerTail(k: number, n: number, p: number): number {
  checkCounts(k, n);
  if (k === n) return 1;
  return 1 - regularizedBeta(p, k + 1, n - k);
}

/**
 * The Clopper-Pearson interval for k events in n trials: the lower end is the p with
 * P(X >= k | p) = (1 - confidence) / 2, the upper end the p with P(X <= k | p) = (1 - confidence) / 2,
 * from the beta quantiles B(alpha/2; k, n-k+1) and B(1-alpha/2; k+1, n-k). Its coverage is at
 * least `confidence` for every true rate.
 */
export function clopperPearson(k: number, n: number, confidence = 0.95): MeasuredRate {
  checkCounts(k, n);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be in (0, 1), got ${confidence}`);
  if (n === 0) throw new Error('clopperPearson: no trials (n = 0); nothing was measured');
  const alpha = 1 - confidence;
  const lower = k === 0 ? 0 : inverseRegularizedBeta(alpha / 2, k, n - k + 1);
  const upper = k === n ? 1 : inverseRegularizedBeta(1 - alpha / 2, k + 1, n - k);
  return { k, n, rate: k / n, lower, upper, confidence };
}

function checkCounts(k: number, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`trial count must be a whole number >= 0, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new Error(`event count must be a whole number in [0, ${n}], got ${k}`);
}
