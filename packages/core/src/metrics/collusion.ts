import * as tf from '@tensorflow/tfjs-core';
import type { Generator } from '../contracts/generator.js';
import type { Metric, MetricContext, MetricResult } from '../contracts/metric.js';
import { CLAIM_OUTCOMES, claimOutcome, type ClaimOutcome } from '../collusion/claims.js';
import { averageWeights, POOL_METHODS, pooledImages, type PoolMethod } from '../collusion/pool.js';
import { checkContext } from './checks.js';
import { quantize8bit } from './quantize.js';
import { batchSizes, DEFAULT_METRIC_BATCH, postProcessed, scoreMatrix } from './sampling.js';

/** Pooled samples per cell (method and k) when the context sets no sample count. */
export const COLLUSION_SAMPLES = 1000;
/** Colluder counts measured when none are given: 2 to 5, at most every key. */
export const COLLUSION_SIZES = [2, 3, 4, 5] as const;

/** What `collusionMetric` measures: which colluder counts and pooling methods. */
export interface CollusionOptions {
  /** Colluder counts, each >= 2; default {@link COLLUSION_SIZES} up to the number of keys. */
  readonly sizes?: readonly number[];
  /** Default: every method of {@link POOL_METHODS}. */
  readonly methods?: readonly PoolMethod[];
}

/** One cell of the collusion metric: k colluders pooling by one method. */
export interface CollusionCell {
  readonly method: PoolMethod;
  readonly k: number;
  /** The colluders' key ids: the first k keys. */
  readonly colluders: readonly string[];
  /** The other keys' ids. */
  readonly innocents: readonly string[];
  readonly samples: number;
  /** Share of pooled samples with each outcome ({@link claimOutcome}); they add up to 1. */
  readonly shares: Readonly<Record<ClaimOutcome, number>>;
  /** Per key, the share of pooled samples it claims (score below 0). */
  readonly claimedBy: Readonly<Record<string, number>>;
}

/** The summary name of an outcome's share in a cell: `weights-k2-every`. */
export const collusionSummaryName = (method: PoolMethod, k: number, outcome: ClaimOutcome): string => `${method}-k${k}-${outcome}`;

function sizesFor(options: CollusionOptions, keys: number): number[] {
  if (!options.sizes) return COLLUSION_SIZES.filter((k) => k <= keys);
  for (const k of options.sizes) {
    if (!Number.isInteger(k) || k < 2 || k > keys) throw new Error(`collusion: colluder count ${k}: expected a whole number from 2 to the number of keys (${keys})`);
  }
  return [...options.sizes];
}

/** Scores [samples, keys] of `samples` pooled images of one cell, through the 8-bit round trip (and the post-process). */
async function pooledScores(ctx: MetricContext, method: PoolMethod, colluders: readonly Generator[], samples: number, tick: () => void): Promise<Float32Array> {
  const rng = ctx.rng.fork('collusion');
  // Every cell pools the colluders' images of the same inputs.
  const inputsRng = rng.fork('inputs');
  const postRng = rng.fork(`postprocess-${method}-${colluders.length}`);
  const pooled = method === 'weights' ? averageWeights(colluders, ctx.keys.slice(0, colluders.length).map((k) => `the generator of ${k.id}`)) : undefined;
  try {
    const out = new Float32Array(samples * ctx.keys.length);
    let offset = 0;
    for (const n of batchSizes(samples, ctx.batchSize ?? DEFAULT_METRIC_BATCH)) {
      const stored = tf.tidy(() => {
        const inputs = ctx.root.sampleInputs(n, inputsRng);
        return quantize8bit(pooledImages(method, colluders, pooled, inputs));
      });
      let measured = stored;
      if (ctx.postProcess) {
        const processed = await postProcessed(stored, ctx.postProcess, postRng.seed());
        measured = quantize8bit(processed);
        processed.dispose();
      }
      out.set(scoreMatrix(measured, ctx.keys), offset);
      offset += n * ctx.keys.length;
      tf.dispose([stored, measured]);
      tick();
    }
    return out;
  } finally {
    pooled?.dispose();
  }
}

/**
 * Collusion: the first k users pool their keyed generators ({@link PoolMethod}) and publish the
 * pooled samples; per method and k, where the samples are traced under every key's sign rule
 * ({@link claimOutcome}): to every colluder, to one, to some, to none, or to an innocent user.
 * Samples go through the 8-bit round trip (and the post-process at evaluation strength, then a
 * second round trip, when the context has one), as attributability's do. Every cell pools the
 * images of the same inputs. Summary: each cell's shares (`weights-k2-every`, ...); details:
 * the cells ({@link CollusionCell}).
 */
export function collusionMetric(options: CollusionOptions = {}): Metric {
  const methods = options.methods ?? POOL_METHODS;
  for (const method of methods) {
    if (!POOL_METHODS.includes(method)) throw new Error(`collusion: pooling method ${JSON.stringify(method)}: expected one of ${POOL_METHODS.join(', ')}`);
  }
  return {
    name: 'collusion',
    description: 'k = 2..5 users pool their generators (mean weights, mean outputs, spliced outputs): which keys claim the pooled samples',
    async compute(ctx: MetricContext): Promise<MetricResult> {
      checkContext(ctx, 'collusion');
      const sizes = sizesFor(options, ctx.keys.length);
      const samples = ctx.samples ?? COLLUSION_SAMPLES;
      const n = ctx.keys.length;
      const total = methods.length * sizes.length * batchSizes(samples, ctx.batchSize ?? DEFAULT_METRIC_BATCH).length;
      let done = 0;
      const cells: CollusionCell[] = [];
      const summary: Record<string, number> = {};
      for (const method of methods) {
        for (const k of sizes) {
          const scores = await pooledScores(ctx, method, ctx.generators.slice(0, k), samples, () => ctx.progress?.(++done, total));
          const colluders = new Set(Array.from({ length: k }, (_, i) => i));
          const counts = Object.fromEntries(CLAIM_OUTCOMES.map((o) => [o, 0])) as Record<ClaimOutcome, number>;
          const claims = new Array<number>(n).fill(0);
          for (let s = 0; s < samples; s++) {
            const row = scores.subarray(s * n, (s + 1) * n);
            counts[claimOutcome(row, colluders)] += 1;
            row.forEach((v, j) => { if (v < 0) claims[j]! += 1; });
          }
          const shares = Object.fromEntries(CLAIM_OUTCOMES.map((o) => [o, counts[o] / samples])) as Record<ClaimOutcome, number>;
          for (const outcome of CLAIM_OUTCOMES) summary[collusionSummaryName(method, k, outcome)] = shares[outcome];
          cells.push({
            method, k, colluders: ctx.keys.slice(0, k).map((key) => key.id), innocents: ctx.keys.slice(k).map((key) => key.id), samples, shares,
            claimedBy: Object.fromEntries(ctx.keys.map((key, j) => [key.id, claims[j]! / samples])),
          });
        }
      }
      return { summary, details: { cells, samples, postProcess: ctx.postProcess?.name ?? null } };
    },
  };
}

/** The collusion metric over k = 2..5 (at most every key) and every pooling method. */
export const collusion: Metric = collusionMetric();
