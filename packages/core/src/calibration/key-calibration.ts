import type { MeasuredRate } from './binomial.js';
import { scoreHistogram, type ScoreHistogram } from './histogram.js';
import { fitGaussianTail, tailProbability, type GaussianTail } from './tail-fit.js';
import { chooseThreshold, rateBelow, type Threshold } from './threshold.js';

/** One key's scores of the calibration's image sets. */
export interface KeyScoreSets {
  readonly key: string;
  /** Held-out real images (never seen in training). */
  readonly heldOut: ArrayLike<number>;
  /** The root generator's samples (authentic by the method's definition). */
  readonly root: ArrayLike<number>;
  /** Out-of-distribution authentic images, when given. */
  readonly ood?: ArrayLike<number> | undefined;
  /** This key's generator's samples. */
  readonly own: ArrayLike<number>;
  /** Every other keyed generator's samples. */
  readonly others: ArrayLike<number>;
}

/** Rates of authentic images claimed by the key at its threshold, per set, with exact bounds. */
export interface FalseAttribution {
  /** Held-out real images and root samples together: the set the threshold was chosen on. */
  readonly authentic: MeasuredRate;
  readonly heldOut: MeasuredRate;
  readonly root: MeasuredRate;
  readonly ood: MeasuredRate | null;
  /** The fitted tail's rate at the threshold: an extrapolation. */
  readonly extrapolated: number;
}

/** One key's calibration: its threshold for the target rate and what it measures at it. */
export interface KeyCalibration {
  readonly key: string;
  /** Held-out real and root-sample scores, ascending: the authentic reference for evidence. */
  readonly authentic: readonly number[];
  readonly tail: GaussianTail;
  readonly threshold: Threshold;
  readonly falseAttribution: FalseAttribution;
  /** Share of the key's own generator's samples it claims at the threshold (TPR). */
  readonly detection: MeasuredRate;
  /** Share of the other generators' samples it claims at the threshold (attribution to the wrong user). */
  readonly otherGenerators: MeasuredRate;
  readonly histogram: ScoreHistogram;
}

const ascending = (scores: ArrayLike<number>): Float64Array => Float64Array.from(scores).sort();

/**
 * Calibrates one key for the target false-attribution rate `fpr`: pools the held-out and root
 * scores as the authentic reference, fits its lower tail, chooses the threshold
 * ({@link chooseThreshold}) and measures every set at it with exact `confidence` bounds.
 */
export function calibrateKey(sets: KeyScoreSets, fpr: number, confidence = 0.95): KeyCalibration {
  const heldOut = ascending(sets.heldOut), root = ascending(sets.root);
  const authentic = ascending([...heldOut, ...root]);
  const tail = fitGaussianTail(authentic);
  const threshold = chooseThreshold(authentic, tail, fpr, confidence);
  const t = threshold.value;
  const ood = sets.ood && sets.ood.length > 0 ? ascending(sets.ood) : undefined;
  const own = ascending(sets.own), others = ascending(sets.others);
  const named: Record<string, ArrayLike<number>> = { heldOut, root, ...(ood ? { ood } : {}), own, ...(others.length > 0 ? { others } : {}) };
  return {
    key: sets.key,
    authentic: Array.from(authentic),
    tail,
    threshold,
    falseAttribution: {
      authentic: rateBelow(authentic, t, confidence), heldOut: rateBelow(heldOut, t, confidence), root: rateBelow(root, t, confidence),
      ood: ood ? rateBelow(ood, t, confidence) : null, extrapolated: tailProbability(tail, t),
    },
    detection: rateBelow(own, t, confidence),
    otherGenerators: others.length > 0 ? rateBelow(others, t, confidence) : clopperPearsonEmpty(confidence),
    histogram: scoreHistogram(named),
  };
}

/** The rate of an empty set (a run with a single key has no other generators): 0 of 0, bounds [0, 1]. */
function clopperPearsonEmpty(confidence: number): MeasuredRate {
  return { k: 0, n: 0, rate: 0, lower: 0, upper: 1, confidence };
}
