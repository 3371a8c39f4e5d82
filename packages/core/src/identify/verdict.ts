import type { AuthenticProbability } from '../calibration/threshold.js';

/**
 * What one image's key scores say about its source. `inconclusive`: a key claims the image by
 * the sign rule, but its score is not below that key's calibrated bar for the requested
 * false-attribution rate (`identify --fpr`).
 */
export type VerdictKind = 'keyed' | 'authentic' | 'ambiguous' | 'inconclusive';

/** One key's score of one image: phi . vec(x); a key claims the image when it is below its bar. */
export interface KeyScore {
  readonly key: string;
  readonly score: number;
  /** The score a claim must be below: 0 (the sign rule), or the key's calibrated threshold at the requested rate. */
  readonly bar?: number;
  /**
   * With a calibration: how often an authentic image scores this low under this key, measured
   * (with its exact 95% interval) and from the fitted tail (an extrapolation).
   */
  readonly authentic?: AuthenticProbability;
}

/** The attribution of one image. */
export interface Verdict {
  /**
   * `keyed`: exactly one key claims it (score below its bar), so that key's generator made it;
   * `authentic`: no key claims it, not even by the sign rule (real data or the root);
   * `ambiguous`: more than one key does; `inconclusive`: keys claim it by the sign rule only,
   * none below its calibrated bar.
   */
  readonly kind: VerdictKind;
  /** The claiming key when `kind` is `keyed`. */
  readonly key?: string;
  /** Every key whose claim stands (score below its bar). */
  readonly claimedBy: readonly string[];
  /** Every key's score, in the order of the keys given. */
  readonly scores: readonly KeyScore[];
  /**
   * The strongest claimant: among keys scoring below 0, the one furthest below its bar (the
   * verdict's key when `keyed`). Absent when no key scores below 0.
   */
  readonly claimant?: string;
  /** The claimant's bar minus its score: how far below its bar it is (negative: short of it). */
  readonly margin?: number;
  /** The false-attribution rate the bars were set for, when calibrated bars were used. */
  readonly fpr?: number;
}

/**
 * The method's attribution rule (method.md): authentic images score >= 0 under every key, and
 * the generator of key i makes images with phi_i . x < 0 and phi_j . x > 0 for j != i.
 * A score of exactly 0 claims nothing (the classifier is `score < 0`).
 */
export function verdictOf(scores: readonly KeyScore[]): Verdict {
  const claimedBy = scores.filter((s) => s.score < 0).map((s) => s.key);
  if (claimedBy.length === 1) return { kind: 'keyed', key: claimedBy[0]!, claimedBy, scores };
  return { kind: claimedBy.length === 0 ? 'authentic' : 'ambiguous', claimedBy, scores };
}

/**
 * The rule with a bar per key (`bar`, default 0; bars are at most 0): a key claims the image when
 * its score is below its bar. One claim: `keyed`; several: `ambiguous`; none, but a score below 0:
 * `inconclusive`; no score below 0: `authentic`. Adds the claimant and its margin.
 */
export function weighVerdict(scores: readonly KeyScore[], fpr?: number): Verdict {
  const bar = (s: KeyScore) => s.bar ?? 0;
  const claimedBy = scores.filter((s) => s.score < bar(s)).map((s) => s.key);
  let claimant: KeyScore | undefined;
  for (const s of scores) if (s.score < 0 && (!claimant || bar(s) - s.score > bar(claimant) - claimant.score)) claimant = s;
  const kind = claimedBy.length === 1 ? 'keyed' : claimedBy.length > 1 ? 'ambiguous' : claimant ? 'inconclusive' : 'authentic';
  return {
    kind,
    ...(kind === 'keyed' ? { key: claimedBy[0]! } : {}),
    claimedBy,
    scores,
    ...(claimant ? { claimant: claimant.key, margin: bar(claimant) - claimant.score } : {}),
    ...(fpr !== undefined ? { fpr } : {}),
  };
}
