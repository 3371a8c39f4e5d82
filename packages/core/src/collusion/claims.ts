/**
 * Where a pooled sample is traced under the sign rule (key j claims an image when its score is
 * below 0):
 * - `innocent`: a key outside the colluders claims it (whatever the colluders' keys do): an
 *   innocent user is framed;
 * - `every`: every colluder's key claims it, and no other key;
 * - `one`: exactly one colluder's key, and no other key;
 * - `partial`: more than one colluder's key but not all (only for k >= 3), and no other key;
 * - `none`: no key claims it.
 */
export type ClaimOutcome = 'every' | 'one' | 'partial' | 'none' | 'innocent';
export const CLAIM_OUTCOMES: readonly ClaimOutcome[] = ['every', 'one', 'partial', 'none', 'innocent'];

/** The outcome of one sample's scores under every key; `colluders` are key indices. */
export function claimOutcome(scores: ArrayLike<number>, colluders: ReadonlySet<number>): ClaimOutcome {
  let colluding = 0;
  for (let j = 0; j < scores.length; j++) {
    if (!(scores[j]! < 0)) continue;
    if (!colluders.has(j)) return 'innocent';
    colluding += 1;
  }
  if (colluding === 0) return 'none';
  if (colluding === colluders.size) return 'every';
  return colluding === 1 ? 'one' : 'partial';
}
