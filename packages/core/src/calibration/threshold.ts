import { clopperPearson, type MeasuredRate } from './binomial.js';
import { tailProbability, tailQuantile, type GaussianTail } from './tail-fit.js';

/**
 * Which bar set a threshold: the sign rule (0); the measured bar (an order statistic whose count
 * below has an exact upper bound at most the target); or, where n authentic scores cannot show
 * the target, the stricter of the fitted tail's quantile (`extrapolated`) and the lowest
 * authentic score (`lowest-authentic`: no authentic score passes).
 */
export type ThresholdBasis = 'sign' | 'measured' | 'extrapolated' | 'lowest-authentic';

/**
 * A key's threshold for a target false-attribution rate: the key claims an image when its score
 * is below `value`. A bar is accepted for the target only when the exact (Clopper-Pearson,
 * `confidence`) upper bound of the authentic scores' rate below it is at most `fpr`: the
 * measured bar is s_(k+1) for the largest such count k, so the true rate at it exceeds `fpr`
 * with probability at most (1 - confidence) / 2. When n scores cannot show `fpr` at all
 * (0 of n bounds the rate above it), the bar is the stricter of the fitted tail's quantile (an
 * extrapolation) and the lowest authentic score. `value` never exceeds 0 (the sign rule).
 */
export interface Threshold {
  readonly fpr: number;
  readonly value: number;
  readonly basis: ThresholdBasis;
  /**
   * The measured bar s_(k+1), k the largest count of authentic scores below it whose exact upper
   * bound is at most `fpr`; null when no count can show `fpr` (`measurable` false).
   */
  readonly measuredQuantile: number | null;
  /** How many authentic scores the measured bar lets through at most (k); null when not measurable. */
  readonly allowed: number | null;
  /** The fitted tail's quantile at `fpr` (extrapolated). */
  readonly extrapolatedQuantile: number;
  /**
   * Whether n authentic scores can show a rate this low at all: the exact upper bound for 0
   * events in n trials is at most `fpr`. When false, only the extrapolation speaks for `fpr`.
   */
  readonly measurable: boolean;
  /** The authentic scores below `value`, as k of n with the exact interval (its upper end is <= `fpr` when measurable). */
  readonly atThreshold: MeasuredRate;
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

/**
 * The largest count k of n with an exact `confidence` upper bound at most `fpr`, or -1 when even
 * 0 of n bounds the rate above `fpr`. The upper bound grows with k, so a bisection finds it.
 */
export function largestShowableCount(n: number, fpr: number, confidence = 0.95): number {
  const upper = (k: number) => clopperPearson(k, n, confidence).upper;
  if (upper(0) > fpr) return -1;
  let lo = 0, hi = n - 1; // upper(lo) <= fpr; find the last such k
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (upper(mid) <= fpr) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The {@link Threshold} for `fpr` from ascending authentic scores and their fitted lower tail. */
export function chooseThreshold(sorted: ArrayLike<number>, tail: GaussianTail, fpr: number, confidence = 0.95): Threshold {
  checkRate(fpr, 'target false-attribution rate');
  const n = sorted.length;
  if (n === 0) throw new Error('no authentic scores to calibrate a threshold on');
  const k = largestShowableCount(n, fpr, confidence);
  const extrapolatedQuantile = tailQuantile(tail, fpr);
  let value = 0;
  let basis: ThresholdBasis = 'sign';
  const lower = (bar: number, why: ThresholdBasis) => { if (bar < value) { value = bar; basis = why; } };
  let measuredQuantile: number | null = null;
  if (k >= 0) {
    measuredQuantile = sorted[k]!;
    lower(measuredQuantile, 'measured');
  } else {
    lower(sorted[0]!, 'lowest-authentic');
    lower(extrapolatedQuantile, 'extrapolated');
  }
  return {
    fpr, value, basis, measuredQuantile, allowed: k >= 0 ? k : null, extrapolatedQuantile,
    measurable: k >= 0, atThreshold: rateBelow(sorted, value, confidence),
  };
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
