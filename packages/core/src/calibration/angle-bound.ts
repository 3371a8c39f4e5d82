/**
 * The data-dependent angle bound of decentralized attribution, derived under the paper's model of
 * a keyed generator as the root shifted along its unit key (Kim, Ren, Yang, ICLR 2021, Eq. 10 as
 * docs/method.md states it). In attrib's sign convention (authentic images score above 0, a key
 * claims below 0), with phî = phi / |phi|:
 *
 *   G_i(z) = G0(z) - gamma_i phî_i,  gamma_i = d_max(phi_i) = max over authentic x of |phî_i . x|,
 *
 * so key i claims every sample of G_i. Key j claims one of them when
 * phî_j . G0(z) - gamma_i cos(phi_i, phi_j) < 0, which cannot happen when
 * gamma_i cos(phi_i, phi_j) <= d_min(phi_j) = min over authentic x of phî_j . x. Both directions:
 *
 *   cos(phi_i, phi_j) <= a(phi_i, phi_j) = min(d_min(phi_j) / d_max(phi_i), d_min(phi_i) / d_max(phi_j)).
 *
 * For data-compliant keys (every authentic score positive, d_min > 0) a is positive, so keys at
 * 90 degrees or more meet it. The extents here are measured on a sample of authentic images: the
 * theorem wants them over the data's whole support, which a sample can only approach (its d_min
 * is at least the support's, its d_max at most).
 */

/** One key's extent over authentic images, in units of the unit key phî = phi / |phi|. */
export interface KeyExtent {
  readonly key: string;
  /** |phi|. */
  readonly norm: number;
  /** min over the authentic images of phî . x (signed: at most 0 when some image is not left unclaimed). */
  readonly dMin: number;
  /** max over the authentic images of |phî . x|. */
  readonly dMax: number;
  /** Authentic images measured. */
  readonly n: number;
  /** Authentic images with phi . x <= 0: the key is data-compliant on the sample when 0. */
  readonly notCompliant: number;
}

/** The {@link KeyExtent} of a key with norm `norm` from its raw scores phi . x of authentic images. */
export function keyExtent(key: string, norm: number, scores: ArrayLike<number>): KeyExtent {
  if (!(norm > 0)) throw new Error(`key ${key} has norm ${norm}; expected a nonzero key`);
  if (scores.length === 0) throw new Error(`key ${key}: no authentic scores to measure its extent on`);
  let dMin = Infinity, dMax = 0, notCompliant = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]! / norm;
    if (s < dMin) dMin = s;
    if (Math.abs(s) > dMax) dMax = Math.abs(s);
    if (!(scores[i]! > 0)) notCompliant += 1;
  }
  return { key, norm, dMin, dMax, n: scores.length, notCompliant };
}

/** a(phi_i, phi_j): the largest cosine between the two keys that the shifted-root model admits. */
export function angleBound(a: KeyExtent, b: KeyExtent): number {
  return Math.min(b.dMin / a.dMax, a.dMin / b.dMax);
}

/** The smallest angle in degrees a cosine bound admits: 0 when a >= 1, 180 when a <= -1 (below -1 no angle meets it). */
export function boundDegrees(bound: number): number {
  return (Math.acos(Math.max(-1, Math.min(1, bound))) * 180) / Math.PI;
}
