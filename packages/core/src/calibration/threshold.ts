import { clopperPearson, type MeasuredRate } from './binomial.js';
import { tailProbability, tailQuantile, type GaussianTail } from './tail-fit.js';

/** Which bar set a threshold: the sign rule (0), the measured quantile or the fitted tail's. */
export type ThresholdBasis = 'sign' | 'measured' | 'extrapolated';

/**
 * A key's threshold for a target false-attribution rate: the key claims an image when its score
 * is below `value`. It is the lowest of three bars, so a claim must pass all of them: 0 (the
 * method's sign rule); the measured quantile (fewer than `fpr * n` of the authentic scores lie
 * below it); and the fitted tail's quantile at `fpr` (an extrapolation where n is too small to
 * measure `fpr`).
 */
export interface Threshold {
  readonly fpr: number;
  readonly value: number;
  readonly basis: ThresholdBasis;
  /** The order statistic s_(m+1), m = floor(fpr * n): at most m authentic scores lie below it. */
  readonly measuredQuantile: number;
  /** The fitted tail's quantile at `fpr` (extrapolated). */
  readonly extrapolatedQuantile: number;
  /**
   * Whether n authentic scores can show a rate this low at all: the exact upper bound for 0
   * events in n trials is at most `fpr`. When false, only the extrapolation speaks for `fpr`.
   */
  readonly measurable: boolean;
}

/** How many of the ascending `sorted` scores are below `value` (strictly). */
export function countBelow(sorted: ArrayLike<number>, value: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of the ascending `sorted` scores are at most `value`. */
export function countAtMost(sorted: ArrayLike<number>, value: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The rate of `sorted` scores below `value`, with its exact interval. */
export function rateBelow(sorted: ArrayLike<number>, value: number, confidence = 0.95): MeasuredRate {
  return clopperPearson(countBelow(sorted, value), sorted.length, confidence);
}

/** Checks that a target rate is a number in (0, 1); `what` names the flag or field. */
export function checkRate(rate: number, what: string): number {
  if (!(rate > 0 && rate < 1)) throw new Error(`${what} ${rate}: expected a rate between 0 and 1 (exclusive), e.g. 1e-3`);
  return rate;
}

/** The {@link Threshold} for `fpr` from ascending authentic scores and their fitted lower tail. */
export function chooseThreshold(sorted: ArrayLike<number>, tail: GaussianTail, fpr: number, confidence = 0.95): Threshold {
  checkRate(fpr, 'target false-attribution rate');
  const n = sorted.length;
  if (n === 0) throw new Error('no authentic scores to calibrate a threshold on');
  const m = Math.floor(fpr * n);
  const measuredQuantile = m < n ? sorted[m]! : Infinity;
  const extrapolatedQuantile = tailQuantile(tail, fpr);
  let value = 0;
  let basis: ThresholdBasis = 'sign';
  if (measuredQuantile < value) { value = measuredQuantile; basis = 'measured'; }
  if (extrapolatedQuantile < value) { value = extrapolatedQuantile; basis = 'extrapolated'; }
  return { fpr, value, basis, measuredQuantile, extrapolatedQuantile, measurable: clopperPearson(0, n, confidence).upper <= fpr };
}

/**
 * How unusual a score is for an authentic image under one key: the measured share of authentic
 * scores at or below it with its exact interval, and the fitted tail's probability (an
 * extrapolation, the only figure below 1 / n).
 */
export interface AuthenticProbability {
  readonly measured: MeasuredRate;
  readonly extrapolated: number;
}

/** {@link AuthenticProbability} of `score` among ascending authentic scores with their fitted tail. */
export function authenticProbability(sorted: ArrayLike<number>, tail: GaussianTail, score: number, confidence = 0.95): AuthenticProbability {
  return { measured: clopperPearson(countAtMost(sorted, score), sorted.length, confidence), extrapolated: tailProbability(tail, score) };
}
