import { normalCdf, normalQuantile } from './special.js';

/**
 * A Gaussian fitted to the lower tail of a sample: the line s = mu + sigma * z through the
 * normal Q-Q plot of the lowest `points` scores (Blom plotting positions (i - 3/8) / (n + 1/4)),
 * by least squares. Beyond the sample it is an extrapolation: it holds only as far as the
 * scores' lower tail is Gaussian.
 */
export interface GaussianTail {
  readonly kind: 'gaussian-lower-tail';
  readonly mu: number;
  readonly sigma: number;
  /** How many of the lowest scores were fitted, and of how many. */
  readonly points: number;
  readonly n: number;
}

/** Default share of the sample whose lowest scores are fitted. */
export const TAIL_FRACTION = 0.2;
/** The fewest points a tail fit uses (all of a smaller sample). */
export const MIN_TAIL_POINTS = 20;

/**
 * Fits {@link GaussianTail} to the lowest `fraction` of `scores` (at least {@link MIN_TAIL_POINTS}
 * of them, or all when there are fewer). Needs 3 or more scores that are not all equal.
 */
export function fitGaussianTail(scores: ArrayLike<number>, fraction = TAIL_FRACTION): GaussianTail {
  const n = scores.length;
  if (n < 3) throw new Error(`a tail fit needs at least 3 scores, got ${n}`);
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`tail fraction must be in (0, 1], got ${fraction}`);
  const sorted = Float64Array.from(scores).sort();
  const points = Math.min(n, Math.max(MIN_TAIL_POINTS, Math.round(fraction * n)));
  let sz = 0, ss = 0, szz = 0, szs = 0;
  for (let i = 0; i < points; i++) {
    const z = normalQuantile((i + 1 - 0.375) / (n + 0.25));
    const s = sorted[i]!;
    sz += z; ss += s; szz += z * z; szs += z * s;
  }
  const zMean = sz / points, sMean = ss / points;
  const sigma = (szs - points * zMean * sMean) / (szz - points * zMean * zMean);
  if (!(sigma > 0)) throw new Error(`the lowest ${points} scores are all equal or not increasing (fitted sigma ${sigma}); no tail can be fitted`);
  return { kind: 'gaussian-lower-tail', mu: sMean - sigma * zMean, sigma, points, n };
}

/** The fitted P(S <= s) of a score: an extrapolation below the sample. */
export function tailProbability(tail: GaussianTail, score: number): number {
  return normalCdf((score - tail.mu) / tail.sigma);
}

/** The fitted score below which a share `rate` of the scores falls: an extrapolation below the sample. */
export function tailQuantile(tail: GaussianTail, rate: number): number {
  return tail.mu + tail.sigma * normalQuantile(rate);
}
