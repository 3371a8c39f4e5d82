import type { Metric, MetricContext, MetricResult } from '../contracts/metric.js';
import { attributionScores } from './attribution-scores.js';
import { checkContext } from './checks.js';

/**
 * The N x N attribution matrix: entry [g][j] is the share of generator g's samples claimed by
 * key j (phi_j . x < 0), on the samples attributability uses. Summary: the mean of the diagonal
 * (own key claims) and of the off-diagonal entries (other keys' false claims); details: the
 * matrix with its row (generator) and column (key) labels.
 */
export const attributionMatrix: Metric = {
  name: 'attribution-matrix',
  description: "share of generator g's samples claimed by key j (phi_j.x < 0), for every pair; 8-bit round trip",
  async compute(ctx: MetricContext): Promise<MetricResult> {
    checkContext(ctx, 'attribution-matrix');
    const { scores, samples } = await attributionScores(ctx);
    const n = ctx.keys.length;
    const matrix = scores.map((rows) => {
      const claimed = new Array<number>(n).fill(0);
      for (let s = 0; s < samples; s++) for (let j = 0; j < n; j++) if (rows[s * n + j]! < 0) claimed[j]! += 1;
      return claimed.map((c) => c / samples);
    });
    let diagonal = 0, offDiagonal = 0;
    matrix.forEach((row, g) => row.forEach((value, j) => (g === j ? (diagonal += value) : (offDiagonal += value))));
    return {
      summary: { diagonalMean: diagonal / n, offDiagonalMean: n > 1 ? offDiagonal / (n * (n - 1)) : 0 },
      details: {
        generators: ctx.keys.map((k) => `G:${k.id}`), keys: ctx.keys.map((k) => k.id), matrix, samples,
        postProcess: ctx.postProcess?.name ?? null,
      },
    };
  },
};
