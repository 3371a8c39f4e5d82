/**
 * capacity.ts's measurement of the first N keys of one run: the metrics as `attrib evaluate`
 * computes them, and the training time of those keys read from the run's progress records.
 */
import { attributability, distinguishability, type MetricResult, type RunFolder } from '@attrib/core';
// Internal to core (not in its public index): the session and evaluation context `attrib evaluate`
// itself uses, so that the largest N measures exactly what `attrib evaluate` does.
import type { RunSession } from '../../../core/src/engine/runs/session.js';
import { loadSubjects, metricContext, type EvaluationPlan } from '../../../core/src/engine/runs/evaluation-subjects.js';
import { keyCosines, maxAbsOffDiagonal } from '../../src/demo/key-angles.js';

export interface CapacityRow {
  readonly keys: number;
  readonly distinguishability: MetricResult['summary'];
  readonly attributability: MetricResult['summary'];
  /** The smallest share of real digits a key scores authentic (distinguishability's real part). */
  readonly worstRealShare: number;
  readonly maxAbsCos: number;
  /** From the run's creation to the end of the last of these keys' units (wall clock, pauses included). */
  readonly trainSeconds: number;
  readonly evaluationSeconds: number;
}

/** The ids of the run's keyed generators in training order; the first `n` must be key-1..key-n. */
export function firstKeyIds(folder: RunFolder, n: number): string[] {
  const { keys, generators } = folder.manifest;
  const ids = keys.filter((id) => generators.includes(id)).slice(0, n);
  const expected = Array.from({ length: n }, (_, i) => `key-${i + 1}`);
  if (ids.join() !== expected.join()) {
    throw new Error(`--keys ${n}: run ${folder.dir} has keyed generators ${ids.join(', ') || 'none'} first, expected key-1..key-${n}`);
  }
  return ids;
}

/** Seconds from the run's creation to the last update of the finished units (first, keys/ID, generators/ID) of `ids`. */
export function trainSeconds(folder: RunFolder, ids: readonly string[]): number {
  const { createdAt, progress } = folder.manifest;
  const units = ['first', ...ids.flatMap((id) => [`keys/${id}`, `generators/${id}`])];
  const ends = units.filter((u) => progress[u]?.done).map((u) => Date.parse(progress[u]!.updatedAt));
  return (Math.max(...ends) - Date.parse(createdAt)) / 1000;
}

/**
 * Distinguishability and attributability of the first `ids` keys and their plain generators, each
 * on the run seed's 'evaluate' stream as `attrib evaluate` (a metric forks it by its own names).
 */
export async function measureFirstKeys(
  session: RunSession, ids: readonly string[], samplesByMetric: Readonly<Record<string, number>>,
): Promise<CapacityRow> {
  const started = performance.now();
  const plan: EvaluationPlan = { ids, variant: 'plain' };
  const subjects = await loadSubjects(session, plan);
  try {
    const results: Record<string, MetricResult> = {};
    for (const metric of [distinguishability, attributability]) {
      results[metric.name] = await metric.compute(metricContext(session, subjects, plan, undefined, samplesByMetric[metric.name], () => {}));
    }
    const d = results['distinguishability']!;
    const perKey = d.details?.['perKey'] as { real: number }[];
    return {
      keys: ids.length, distinguishability: d.summary, attributability: results['attributability']!.summary,
      worstRealShare: Math.min(...perKey.map((k) => k.real)), maxAbsCos: maxAbsOffDiagonal(keyCosines(subjects.keys)),
      trainSeconds: trainSeconds(session.folder, ids), evaluationSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    subjects.dispose();
  }
}
