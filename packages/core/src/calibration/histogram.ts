/** Counts of several score sets over one set of equal-width bins. */
export interface ScoreHistogram {
  /** Bin edges, ascending: bins + 1 values; bin i holds edges[i] <= s < edges[i + 1] (the last one closed). */
  readonly edges: readonly number[];
  /** Per set name, the count in each bin. */
  readonly counts: Readonly<Record<string, readonly number[]>>;
}

/** Default number of bins. */
export const HISTOGRAM_BINS = 40;

/** A {@link ScoreHistogram} of the named sets over `bins` equal bins spanning all their scores. */
export function scoreHistogram(sets: Readonly<Record<string, ArrayLike<number>>>, bins = HISTOGRAM_BINS): ScoreHistogram {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`histogram bins ${bins}: expected a positive whole number`);
  let lo = Infinity, hi = -Infinity;
  for (const scores of Object.values(sets)) for (let i = 0; i < scores.length; i++) { lo = Math.min(lo, scores[i]!); hi = Math.max(hi, scores[i]!); }
  if (lo === Infinity) throw new Error('a histogram needs at least one score');
  if (hi === lo) { lo -= 0.5; hi += 0.5; }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const counts: Record<string, number[]> = {};
  for (const [name, scores] of Object.entries(sets)) {
    const c = new Array<number>(bins).fill(0);
    for (let i = 0; i < scores.length; i++) c[Math.min(bins - 1, Math.floor((scores[i]! - lo) / width))]! += 1;
    counts[name] = c;
  }
  return { edges, counts };
}
