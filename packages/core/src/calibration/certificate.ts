import { angleBound, boundDegrees, keyExtent, type KeyExtent } from './angle-bound.js';
import { clopperPearson, type MeasuredRate } from './binomial.js';

/**
 * Keys made exactly orthogonal (`angleTerm: 'exact'`) and stored in float32 keep a cosine of a
 * few 1e-8 either side of 0; up to this they count as at 90 degrees.
 */
const ORTHOGONAL_COSINE = 1e-6;

/** The angle between two keys. */
export interface KeyPairAngle {
  readonly keys: readonly [string, string];
  readonly cosine: number;
  readonly degrees: number;
}

/**
 * One key pair checked against the sufficient condition: the data-dependent bound
 * a(phi_i, phi_j) ({@link angleBound}), the conservative form (90 degrees or more), the
 * attributability the condition guarantees for the two generators, and what they measure.
 */
export interface CertifiedPair extends KeyPairAngle {
  /** a(phi_i, phi_j): the largest cosine the condition admits. */
  readonly angleBound: number;
  /** The smallest angle the condition admits, acos(a), in degrees. */
  readonly minDegrees: number;
  /** cos <= a: the data-dependent condition holds. */
  readonly holds: boolean;
  /** cos <= 1e-6: the keys are at 90 degrees or more (the conservative form), within float32 rounding. */
  readonly orthogonal: boolean;
  /** 1 - 2 delta with delta the larger of the two keys' (the bound for these two generators when `holds`). */
  readonly guaranteed: number;
  /** The same from the intervals' worse ends (joint 95% over every key, Bonferroni). */
  readonly guaranteedLower: number;
  /** Both generators' samples, pooled: own key claims the sample and the other key does not; exact 95% interval. */
  readonly attributability: MeasuredRate;
}

/** One key's distinguishability on held-out data: delta = 1 - D with D = (P(real >= 0 side) + P(own samples < 0)) / 2. */
export interface KeyDistinguishability {
  readonly key: string;
  /** Held-out real images the key leaves unclaimed (score > 0): data compliance. */
  readonly realUnclaimed: MeasuredRate;
  /** Own generator's samples the key claims (score < 0). */
  readonly ownClaimed: MeasuredRate;
  readonly distinguishability: number;
  /** 1 - distinguishability. */
  readonly delta: number;
  /** delta from the intervals' worse ends (joint 95% over every key, Bonferroni). */
  readonly deltaUpper: number;
  /** The key's extent over the authentic images (held-out and root samples), for a(phi_i, phi_j). */
  readonly extent: KeyExtent;
}

/** The paper's sufficient condition checked on a run, beside the measured attributability. */
export interface Certificate {
  readonly pairs: readonly CertifiedPair[];
  /** Every pair meets the data-dependent bound. */
  readonly condition: boolean;
  /** Every pair is at 90 degrees or more. */
  readonly orthogonal: boolean;
  readonly keys: readonly KeyDistinguishability[];
  /** N generators, delta = the largest delta: every generator is (1 - delta)-distinguishable. */
  readonly n: number;
  readonly delta: number;
  /** 1 - N delta: the guaranteed attributability when `condition` holds (a statement about the measured deltas). */
  readonly bound: number;
  /** 1 - N delta with delta from the intervals' worse ends (95% jointly). */
  readonly boundLower: number;
  /** Attributability measured on the generators' samples, pooled, with its exact 95% interval. */
  readonly attributability: MeasuredRate;
  readonly perGenerator: readonly { readonly key: string; readonly attributability: MeasuredRate }[];
}

/** Cosine and angle of every key pair (vectors in any common layout). */
export function keyPairAngles(keys: readonly { id: string; vector: ArrayLike<number> }[]): KeyPairAngle[] {
  const pairs: KeyPairAngle[] = [];
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const a = keys[i]!.vector, b = keys[j]!.vector;
      if (a.length !== b.length) throw new Error(`keys ${keys[i]!.id} and ${keys[j]!.id} have ${a.length} and ${b.length} entries; expected equal`);
      let dot = 0, na = 0, nb = 0;
      for (let d = 0; d < a.length; d++) { dot += a[d]! * b[d]!; na += a[d]! * a[d]!; nb += b[d]! * b[d]!; }
      const cosine = dot / Math.sqrt(na * nb);
      pairs.push({ keys: [keys[i]!.id, keys[j]!.id], cosine, degrees: (Math.acos(Math.max(-1, Math.min(1, cosine))) * 180) / Math.PI });
    }
  }
  return pairs;
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let d = 0; d < v.length; d++) s += v[d]! * v[d]!;
  return Math.sqrt(s);
}

/** Samples of generator g (its scores under every key) that key g claims and key j (each j in `others`) leaves: score < 0 and > 0. */
function attributed(scores: readonly ArrayLike<number>[], g: number, others: readonly number[]): number {
  const own = scores[g]!;
  let ok = 0;
  for (let s = 0; s < own.length; s++) {
    if (own[s]! < 0 && others.every((j) => scores[j]![s]! > 0)) ok += 1;
  }
  return ok;
}

/**
 * The certificate from the key vectors and raw scores phi . x: `heldOut[k]` and `root[k]` key k's
 * scores of held-out real images and of root samples (together the authentic images whose extent
 * sets a(phi_i, phi_j)), `generated[g][k]` key k's scores of generator g's samples (generator g
 * belongs to key g). Distinguishability is measured on the held-out images and own samples.
 */
export function certify(
  keys: readonly { id: string; vector: ArrayLike<number> }[],
  heldOut: readonly ArrayLike<number>[],
  root: readonly ArrayLike<number>[],
  generated: readonly (readonly ArrayLike<number>[])[],
): Certificate {
  const n = keys.length;
  if (n === 0) throw new Error('no keys to certify');
  if (heldOut.length !== n || root.length !== n || generated.length !== n) {
    throw new Error(`scores for ${heldOut.length} and ${root.length} keys and ${generated.length} generators; expected ${n} of each`);
  }
  // Bonferroni: 2N intervals hold jointly at 95% when each holds at 1 - 0.05 / (2N).
  const each = 1 - 0.05 / (2 * n);
  const perKey: KeyDistinguishability[] = keys.map((key, k) => {
    const real = heldOut[k]!, own = generated[k]![k]!;
    let unclaimed = 0, claimed = 0;
    for (let i = 0; i < real.length; i++) if (real[i]! > 0) unclaimed += 1;
    for (let i = 0; i < own.length; i++) if (own[i]! < 0) claimed += 1;
    const realUnclaimed = clopperPearson(unclaimed, real.length), ownClaimed = clopperPearson(claimed, own.length);
    const distinguishability = (realUnclaimed.rate + ownClaimed.rate) / 2;
    const lowReal = clopperPearson(unclaimed, real.length, each).lower, lowOwn = clopperPearson(claimed, own.length, each).lower;
    const extent = keyExtent(key.id, norm(key.vector), [...Array.from(real), ...Array.from(root[k]!)]);
    return { key: key.id, realUnclaimed, ownClaimed, distinguishability, delta: 1 - distinguishability, deltaUpper: 1 - (lowReal + lowOwn) / 2, extent };
  });
  const index = new Map(keys.map((k, i) => [k.id, i]));
  const pairs: CertifiedPair[] = keyPairAngles(keys).map((p) => {
    const i = index.get(p.keys[0])!, j = index.get(p.keys[1])!;
    const a = angleBound(perKey[i]!.extent, perKey[j]!.extent);
    const hits = attributed(generated[i]!, i, [j]) + attributed(generated[j]!, j, [i]);
    const total = generated[i]![i]!.length + generated[j]![j]!.length;
    return {
      ...p, angleBound: a, minDegrees: boundDegrees(a), holds: p.cosine <= a, orthogonal: p.cosine <= ORTHOGONAL_COSINE,
      guaranteed: 1 - 2 * Math.max(perKey[i]!.delta, perKey[j]!.delta),
      guaranteedLower: 1 - 2 * Math.max(perKey[i]!.deltaUpper, perKey[j]!.deltaUpper),
      attributability: clopperPearson(hits, total),
    };
  });
  let hits = 0, total = 0;
  const perGenerator = keys.map((key, g) => {
    const ok = attributed(generated[g]!, g, keys.map((_, j) => j).filter((j) => j !== g));
    const samples = generated[g]![g]!.length;
    hits += ok;
    total += samples;
    return { key: key.id, attributability: clopperPearson(ok, samples) };
  });
  const delta = Math.max(...perKey.map((k) => k.delta));
  const deltaUpper = Math.max(...perKey.map((k) => k.deltaUpper));
  return {
    pairs, condition: pairs.every((p) => p.holds), orthogonal: pairs.every((p) => p.orthogonal), keys: perKey, n, delta,
    bound: 1 - n * delta, boundLower: 1 - n * deltaUpper, attributability: clopperPearson(hits, total), perGenerator,
  };
}
