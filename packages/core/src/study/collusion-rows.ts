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

/** One collusion measurement to make: k colluders of a base pooling by `pool`. */
export interface CollusionMeasurement {
  readonly pool: PoolMethod;
  readonly k: number;
}

/** The run folder a base's collusion is measured in: a fork of the base, DIR/collusion/<base>. */
export function collusionRunDir(dir: string, base: StudyBase): string {
  return join(dir, 'collusion', base.label);
}

/** The measurements of `base` the study's collusion axis asks for that `done` does not hold, pool by pool, each pool's k in axis order. */
export function missingCollusion(base: StudyBase, config: StudyConfig, done: readonly CollusionRow[]): CollusionMeasurement[] {
  const axis = config.collusion;
  if (!axis) return [];
  const has = (pool: PoolMethod, k: number): boolean => done.some((r) => r.base === base.label && r.pool === pool && r.k === k);
  return axis.pool.flatMap((pool) => axis.k.filter((k) => !has(pool, k)).map((k) => ({ pool, k })));
}

/**
 * Measures `wanted` on the plain generators of `base` in its fork (see {@link collusionRunDir},
 * made if need be), with the study's sample count, in this thread; returns their rows in the
 * order of `wanted`. What a study runs here, and a queue worker for one
 * measurement (each measurement draws the same inputs whichever others are measured with it).
 * Measurements of one base on a queue share its fork side by side: its metrics.json then holds
 * the collusion result of the last one to finish; study.json holds them all.
 */
export async function measureCollusion(
  services: RunServices, dir: string, base: StudyBase, config: StudyConfig, wanted: readonly CollusionMeasurement[], hooks: RunHooks,
): Promise<CollusionRow[]> {
  if (wanted.length === 0) return [];
  const metric = collusionMetric({ sizes: [...new Set(wanted.map((m) => m.k))], methods: [...new Set(wanted.map((m) => m.pool))] });
  const runDir = collusionRunDir(dir, base);
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
  return wanted.map(({ pool, k }) => {
    const c = cells.find((cell) => cell.method === pool && cell.k === k)!;
    return {
      base: base.label, pool, k, colluders: c.colluders.join(' '), innocents: c.innocents.join(' '), samples: c.samples,
      ...c.shares, run: relative(dir, runDir), finishedAt,
    };
  });
}

/** Measures the collusion cells of `base` that `done` does not hold yet (see {@link measureCollusion}); returns the new rows. */
export async function runCollusion(
  services: RunServices, dir: string, base: StudyBase, config: StudyConfig, done: readonly CollusionRow[], hooks: RunHooks,
): Promise<CollusionRow[]> {
  return measureCollusion(services, dir, base, config, missingCollusion(base, config, done), hooks);
}
