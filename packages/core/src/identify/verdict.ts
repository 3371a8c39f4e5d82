/** What one image's key scores say about its source. */
export type VerdictKind = 'keyed' | 'authentic' | 'ambiguous';

/** One key's score of one image: phi . vec(x); a key claims the image when it is below 0. */
export interface KeyScore {
  readonly key: string;
  readonly score: number;
}

/** The attribution of one image. */
export interface Verdict {
  /**
   * `keyed`: exactly one key claims it (score < 0), so that key's generator made it;
   * `authentic`: no key claims it (real data or the root); `ambiguous`: more than one key does.
   */
  readonly kind: VerdictKind;
  /** The claiming key when `kind` is `keyed`. */
  readonly key?: string;
  /** Every key that claims the image (score < 0). */
  readonly claimedBy: readonly string[];
  /** Every key's score, in the order of the keys given. */
  readonly scores: readonly KeyScore[];
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
