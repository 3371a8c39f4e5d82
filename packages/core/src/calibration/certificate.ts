import { clopperPearson, type MeasuredRate } from './binomial.js';

/** The angle between two keys and whether it meets the sufficient condition (90 degrees or more). */
export interface KeyPairAngle {
  readonly keys: readonly [string, string];
  readonly cosine: number;
  readonly degrees: number;
  /** cos <= 0: the keys are at 90 degrees or more. */
  readonly holds: boolean;
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
}

/** The paper's sufficient condition checked on a run, beside the measured attributability. */
export interface Certificate {
  readonly pairs: readonly KeyPairAngle[];
  /** Every pair holds. */
  readonly condition: boolean;
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
      pairs.push({ keys: [keys[i]!.id, keys[j]!.id], cosine, degrees: (Math.acos(Math.max(-1, Math.min(1, cosine))) * 180) / Math.PI, holds: cosine <= 0 });
    }
  }
  return pairs;
}

/**
 * The certificate from the key vectors and scores: `heldOut[k]` key k's scores of held-out real
 * images, `generated[g][k]` key k's scores of generator g's samples (generator g belongs to key g).
 */
export function certify(
  keys: readonly { id: string; vector: ArrayLike<number> }[], heldOut: readonly ArrayLike<number>[], generated: readonly (readonly ArrayLike<number>[])[],
): Certificate {
  const n = keys.length;
  if (n === 0) throw new Error('no keys to certify');
  if (heldOut.length !== n || generated.length !== n) throw new Error(`scores for ${heldOut.length} keys and ${generated.length} generators; expected ${n} of each`);
  const pairs = keyPairAngles(keys);
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
    return { key: key.id, realUnclaimed, ownClaimed, distinguishability, delta: 1 - distinguishability, deltaUpper: 1 - (lowReal + lowOwn) / 2 };
  });
  let hits = 0, total = 0;
  const perGenerator = keys.map((key, g) => {
    const scores = generated[g]!;
    const samples = scores[g]!.length;
    let ok = 0;
    for (let s = 0; s < samples; s++) {
      let good = scores[g]![s]! < 0;
      for (let j = 0; good && j < n; j++) if (j !== g && !(scores[j]![s]! > 0)) good = false;
      if (good) ok += 1;
    }
    hits += ok;
    total += samples;
    return { key: key.id, attributability: clopperPearson(ok, samples) };
  });
  const delta = Math.max(...perKey.map((k) => k.delta));
  const deltaUpper = Math.max(...perKey.map((k) => k.deltaUpper));
  return {
    pairs, condition: pairs.every((p) => p.holds), keys: perKey, n, delta,
    bound: 1 - n * delta, boundLower: 1 - n * deltaUpper, attributability: clopperPearson(hits, total), perGenerator,
  };
}
