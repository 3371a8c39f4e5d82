import { join, relative } from 'node:path';
import type { RunHooks, RunServices } from '../engine/runs/services.js';
import { evaluateRun } from '../engine/runs/evaluate-run.js';
import { collusionMetric, type CollusionCell } from '../metrics/collusion.js';
import type { PoolMethod } from '../collusion/pool.js';
import type { StudyBase, StudyConfig } from './config.js';
import { forkRun } from './fork-run.js';
import type { BaseInfo } from './plan.js';

/** One collusion measurement of a study: k colluders of one base pooling by one method. */
export interface CollusionRow {
  readonly base: string;
  readonly pool: PoolMethod;
  readonly k: number;
  /** Key ids, space-separated. */
  readonly colluders: string;
  readonly innocents: string;
  readonly samples: number;
  /** Shares of the pooled samples traced to every colluder, one, several (not all), none, an innocent user. */
  readonly every: number;
  readonly one: number;
  readonly partial: number;
  readonly none: number;
  readonly innocent: number;
  /** The run folder measured, relative to the study folder. */
  readonly run: string;
  readonly finishedAt: string;
}

export const COLLUSION_COLUMNS: readonly (keyof CollusionRow)[] = [
  'base', 'pool', 'k', 'colluders', 'innocents', 'samples', 'every', 'one', 'partial', 'none', 'innocent', 'run', 'finishedAt',
];

/** Throws naming `collusion.k` when a base has fewer keyed generators than a colluder count. */
export function checkCollusionSizes(config: StudyConfig, infos: ReadonlyMap<string, BaseInfo>): void {
  if (!config.collusion) return;
  for (const base of config.bases) {
    const keys = infos.get(base.label)!.generators.length;
    const tooMany = config.collusion.k.find((k) => k > keys);
    if (tooMany !== undefined) throw new Error(`${config.source}: "collusion.k" expects at most the keys of base ${base.label} (${keys}), got ${tooMany}`);
  }
}

/**
 * Measures the collusion cells of `base` that `done` does not hold yet, on its plain generators
 * in a fork (DIR/collusion/<base>), with the study's sample count; returns the new rows.
 */
export async function runCollusion(
  services: RunServices, dir: string, base: StudyBase, config: StudyConfig, done: readonly CollusionRow[], hooks: RunHooks,
): Promise<CollusionRow[]> {
  const axis = config.collusion;
  if (!axis) return [];
  const has = (pool: PoolMethod, k: number): boolean => done.some((r) => r.base === base.label && r.pool === pool && r.k === k);
  const missing = axis.pool.flatMap((pool) => axis.k.filter((k) => !has(pool, k)).map((k) => ({ pool, k })));
  if (missing.length === 0) return [];
  const metric = collusionMetric({ sizes: [...new Set(missing.map((m) => m.k))], methods: [...new Set(missing.map((m) => m.pool))] });
  const runDir = join(dir, 'collusion', base.label);
  await forkRun(base.dir, runDir);
  // Only this evaluation's `collusion` is the study's; no plugin modules, so it is computed in this thread.
  const measuring: RunServices = {
    adapter: (name) => services.adapter(name), imageSource: (name) => services.imageSource(name), postProcess: (name) => services.postProcess(name),
    metric: (name) => (name === 'collusion' ? metric : services.metric(name)),
  };
  const { record } = await evaluateRun(measuring, {
    dir: runDir, generators: 'plain', metrics: ['collusion'],
    ...(config.evaluation.samples !== undefined ? { samples: config.evaluation.samples } : {}),
    ...(config.evaluation.batchSize !== undefined ? { batchSize: config.evaluation.batchSize } : {}),
  }, hooks);
  const cells = (record.results.collusion!.details as { cells: CollusionCell[] }).cells;
  const finishedAt = new Date().toISOString();
  return cells.filter((c) => !has(c.method, c.k) && missing.some((m) => m.pool === c.method && m.k === c.k)).map((c) => ({
    base: base.label, pool: c.method, k: c.k, colluders: c.colluders.join(' '), innocents: c.innocents.join(' '), samples: c.samples,
    ...c.shares, run: relative(dir, runDir), finishedAt,
  }));
}
