import type { Metric, MetricContext, MetricResult } from '../contracts/metric.js';
import { attributionScores } from './attribution-scores.js';
import { checkContext } from './checks.js';

/**
 * Attributability over N keyed generators (method.md, "Metrics"): for each generator g, the
 * share of its samples x with phi_g . x < 0 and phi_j . x > 0 for every j != g; the mean over g.
 * 1,000 samples per generator through the 8-bit round trip (and the post-process at evaluation
 * strength, then a second round trip, when `ctx.postProcess` is set); see {@link attributionScores}.
 * Summary: mean and min over generators; details: the share per generator.
 */
export const attributability: Metric = {
  name: 'attributability',
  description: "share of each generator's samples claimed by its own key and by no other key (8-bit round trip); mean over generators",
  async compute(ctx: MetricContext): Promise<MetricResult> {
    checkContext(ctx, 'attributability');
    const { scores, samples } = await attributionScores(ctx);
    const n = ctx.keys.length;
    const perGenerator = scores.map((matrix, g) => {
      let hits = 0;
      for (let s = 0; s < samples; s++) {
        let ok = matrix[s * n + g]! < 0;
        for (let j = 0; ok && j < n; j++) if (j !== g && !(matrix[s * n + j]! > 0)) ok = false;
        if (ok) hits += 1;
      }
      return { key: ctx.keys[g]!.id, attributability: hits / samples };
    });
    const values = perGenerator.map((p) => p.attributability);
    return {
      summary: { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values) },
      details: { perGenerator, samples, postProcess: ctx.postProcess?.name ?? null },
    };
  },
};
